// Command-line handling shared by the tools: argv pre-splitting, the common options, logging.
#include "tools/common/cli_options.hpp"

#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <utility>

#include "io/cli_args.hpp"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <caf/atom.hpp>
#include <caf/config_option_set.hpp>
#include <caf/io/middleman.hpp>
#include <caf/openssl/manager.hpp>

#include "messages/register_types.hpp"

namespace ac {

tool_config::tool_config() {
  register_types(*this);
  load<caf::io::middleman>();
  opt_group{custom_options_, "global"}
    .add(nodes, "node", "HOST:PORT of a node (repeatable; with a cluster any member will do)")
    .add(timeout, "timeout", "deadline of every request and connect (e.g. 5s, 500ms)")
    .add(json, "json", "print JSON instead of a table");
  opt_group{custom_options_, "tls"}
    .add(tls.enabled, "enabled", "connect with mutual TLS (caf::openssl)")
    .add(tls.ca_file, "ca-file", "PEM bundle of the cluster CA")
    .add(tls.cert_file, "cert-file", "this tool's PEM certificate")
    .add(tls.key_file, "key-file", "this tool's PEM private key");
  opt_group{custom_options_, "log"}.add(log_level, "level",
                                        "trace|debug|info|warn|error|critical|off");
}

namespace {

/// Why `path` cannot serve as a PEM certificate (or, with `key`, an unencrypted private key);
/// "" when it looks right or is empty (unset). OpenSSL itself still checks the contents later.
std::string pem_file_problem(const std::string& path, bool key) {
  if (path.empty())
    return {};
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec))
    return "is not a readable file";
  std::ifstream in{path};
  if (!in)
    return "is not a readable file";
  std::string text{std::istreambuf_iterator<char>{in}, std::istreambuf_iterator<char>{}};
  if (!key)
    return text.find("-----BEGIN CERTIFICATE-----") == std::string::npos
             ? "holds no PEM certificate"
             : "";
  if (text.find("ENCRYPTED") != std::string::npos)
    return "is an encrypted key; the tools need an unencrypted one";
  auto begin = text.find("-----BEGIN ");
  if (begin == std::string::npos || text.find("PRIVATE KEY-----", begin) == std::string::npos)
    return "holds no PEM private key";
  return {};
}

} // namespace

bool cli_config::is_flag(std::string_view name) const {
  const auto* opt =
    custom_options_.cli_long_name_lookup(caf::string_view{name.data(), name.size()});
  return opt != nullptr && opt->is_flag();
}

void cli_config::store_false(std::string_view name) {
  if (const auto* opt =
        custom_options_.cli_long_name_lookup(caf::string_view{name.data(), name.size()}))
    opt->store(caf::config_value{false});
}

bool cli_config::knows_option(std::string_view name) const {
  if (custom_options_.cli_long_name_lookup(caf::string_view{name.data(), name.size()}) != nullptr)
    return true;
  // Built-ins CAF handles before looking at the option set.
  return name == "help" || name == "long-help" || name == "dump-config" || name == "config-file";
}

namespace {

/// What a value of CAF's option type `type` looks like, for error messages.
std::string expected_form(std::string_view type) {
  if (type == "timespan")
    return "a duration such as 5s, 500ms or 2min";
  if (type.find("int") != std::string_view::npos)
    return type.find("uint") != std::string_view::npos ? "a whole number (0 or more)"
                                                       : "a whole number";
  if (type == "double" || type == "float" || type.rfind("real", 0) == 0)
    return "a number such as 0.5";
  if (type == "boolean" || type == "bool")
    return "nothing: it is a flag (--name switches it on)";
  return "a value of type " + std::string{type};
}

} // namespace

std::string cli_config::explain_bad_option(const std::vector<std::string>& options,
                                           const caf::error& err) {
  // CAF names the failure (parser_error(unexpected_character, ...)) but not the option:
  // find the argument whose value does not parse and say what it should look like.
  for (const auto& arg : options) {
    auto eq = arg.find('=');
    auto name = arg.substr(2, eq == std::string::npos ? std::string::npos : eq - 2);
    const auto* opt =
      custom_options_.cli_long_name_lookup(caf::string_view{name.data(), name.size()});
    if (opt == nullptr)
      continue;
    auto type = std::string{opt->type_name().data(), opt->type_name().size()};
    if (opt->is_flag()) {
      if (eq != std::string::npos)
        return "--" + name + " takes no value (it is a flag: write --" + name + " alone)";
      continue;
    }
    if (eq == std::string::npos)
      return "--" + name + " needs a value: --" + name + "=" + "<" + expected_form(type) + ">";
    auto value = arg.substr(eq + 1);
    if (!opt->parse(caf::string_view{value.data(), value.size()}))
      return "--" + name + ": '" + value + "' is not valid; expected " + expected_form(type);
  }
  return caf::actor_system_config::render(err);
}

void setup_logging(const std::string& program, const std::string& level) {
  auto logger = spdlog::get(program);
  if (!logger)
    logger = spdlog::stderr_color_mt(program);
  spdlog::set_default_logger(logger);
  spdlog::set_pattern("[%H:%M:%S.%e] [%n] [%l] %v");
  spdlog::set_level(spdlog::level::from_str(level));
}

std::string program_name(int argc, char** argv) {
  std::string program = argc > 0 ? argv[0] : "actorcache-tool";
  if (auto slash = program.rfind('/'); slash != std::string::npos)
    program = program.substr(slash + 1);
  return program;
}

parse_outcome parse_cli_args(cli_config& cfg, int argc, char** argv) {
  parse_outcome out;
  auto program = program_name(argc, argv);
  std::vector<std::string> args(argv + (argc > 0 ? 1 : 0), argv + argc);
  if (asks_for_version(args)) {
    std::cout << version_line(program) << "\n";
    out.exit_code = 0;
    return out;
  }
  auto bools = boolean_values(args, [&](std::string_view n) { return cfg.is_flag(n); });
  if (!bools.error.empty()) {
    std::cerr << program << ": " << bools.error << "\n";
    out.exit_code = 2;
    return out;
  }
  auto split = split_args(bools.args, [&](std::string_view n) { return cfg.knows_option(n); });
  if (!split.unknown.empty()) {
    std::cerr << program << ": unknown option " << split.unknown << " (see --help)\n";
    out.exit_code = 2;
    return out;
  }
  if (auto err = cfg.parse(split.options)) {
    std::cerr << program << ": " << cfg.explain_bad_option(split.options, err) << "\n";
    out.exit_code = 2;
    return out;
  }
  for (const auto& name : bools.falses) {
    cfg.store_false(name);
    split.names.push_back(name); // given, for the check that every option applies
  }
  if (cfg.cli_helptext_printed) {
    out.exit_code = 0;
    return out;
  }
  out.positionals = std::move(split.positionals);
  out.given = std::move(split.names);
  out.nodes = std::move(split.nodes);
  return out;
}

parse_outcome parse_options_only(cli_config& cfg, int argc, char** argv) {
  auto out = parse_cli_args(cfg, argc, argv);
  if (out.exit_code < 0 && !out.positionals.empty()) {
    std::cerr << program_name(argc, argv) << ": unexpected argument '" << out.positionals.front()
              << "' (see --help)\n";
    out.exit_code = 2;
  }
  return out;
}

parse_outcome parse_tool_args(tool_config& cfg, int argc, char** argv, size_t default_threads) {
  auto program = program_name(argc, argv);
  // Defaults for low latency on small machines (caf-0.17-notes §3); the command line wins.
  cfg.set("scheduler.policy", caf::atom("sharing"));
  cfg.set("scheduler.max-threads", default_threads);
  auto out = parse_cli_args(cfg, argc, argv);
  if (out.exit_code >= 0)
    return out;
  auto lvl = spdlog::level::from_str(cfg.log_level);
  if (lvl == spdlog::level::off && cfg.log_level != "off") {
    std::cerr << program << ": bad --log.level '" << cfg.log_level << "'\n";
    out.exit_code = 2;
    return out;
  }
  setup_logging(program, cfg.log_level);
  for (auto& n : out.nodes)
    cfg.nodes.push_back(std::move(n));
  if (cfg.timeout <= caf::timespan{0}) {
    std::cerr << program << ": --timeout must be positive\n";
    out.exit_code = 2;
    return out;
  }
  if (cfg.tls.enabled) {
    // Setting any openssl.* key turns on peer authentication (notes §6). A CA without our
    // own certificate aborts inside CAF, so refuse that combination here.
    if (!cfg.tls.ca_file.empty() && (cfg.tls.cert_file.empty() || cfg.tls.key_file.empty())) {
      std::cerr << program << ": --tls.ca-file needs --tls.cert-file and --tls.key-file\n";
      out.exit_code = 2;
      return out;
    }
    // A missing, unreadable or non-PEM file would make CAF's openssl middleman throw at the
    // first connect ("cannot load private key"), and the tool would only see a timeout.
    const std::pair<const char*, const std::string*> files[] = {{"ca-file", &cfg.tls.ca_file},
                                                                {"cert-file", &cfg.tls.cert_file},
                                                                {"key-file", &cfg.tls.key_file}};
    for (const auto& [option, file] : files)
      if (auto why = pem_file_problem(*file, std::string_view{option} == "key-file");
          !why.empty()) {
        std::cerr << program << ": --tls." << option << ": '" << *file << "' " << why << "\n";
        out.exit_code = 2;
        return out;
      }
    cfg.openssl_cafile = cfg.tls.ca_file;
    cfg.openssl_certificate = cfg.tls.cert_file;
    cfg.openssl_key = cfg.tls.key_file;
    cfg.load<caf::openssl::manager>();
  }
  return out;
}

} // namespace ac
