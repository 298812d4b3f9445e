// Command-line handling shared by the tools: argv pre-splitting, the common options, logging.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include <caf/actor_system_config.hpp>
#include <caf/config_option_adder.hpp>
#include <caf/timespan.hpp>

#include "io/cli_args.hpp"

namespace ac {

/// TLS settings for remoting; when enabled, every connection uses caf::openssl.
struct tls_options {
  bool enabled = false;  ///< --tls.enabled
  std::string ca_file;   ///< --tls.ca-file: PEM bundle of the cluster CA
  std::string cert_file; ///< --tls.cert-file: this tool's certificate
  std::string key_file;  ///< --tls.key-file: its private key
};

/// Every program's command line: CAF's own config parser (as the node uses) over the options
/// a program adds, with errors that name the option at fault.
class cli_config : public caf::actor_system_config {
public:
  /// Whether `name` (as written after `--`, before `=`) is an option CAF will accept.
  bool knows_option(std::string_view name) const;

  /// Whether `name` is a boolean option (a flag to CAF: io/cli_args.hpp's boolean_values).
  bool is_flag(std::string_view name) const;
  /// Stores false into boolean option `name`: `--name=false`, which CAF 0.17 cannot parse.
  void store_false(std::string_view name);

  /// A message for a parse failure `err` of `options` that names the option at fault and the
  /// form its value should have; CAF's own rendering when no single option is to blame.
  std::string explain_bad_option(const std::vector<std::string>& options, const caf::error& err);

protected:
  /// The program's own options, written `--name` on the command line.
  caf::config_option_adder program_options() { return {custom_options_, "global"}; }
};

/// The actor system configuration every tool shares. Subclasses add their own options to
/// the "global" group with tool_options(); then main calls parse_tool_args.
class tool_config : public cli_config {
public:
  tool_config();

  std::vector<std::string> nodes;                  ///< --node=HOST:PORT (repeatable)
  caf::timespan timeout = std::chrono::seconds(5); ///< --timeout: per request/connect
  tls_options tls;                                 ///< --tls.*
  std::string log_level = "warn";                  ///< --log.level
  bool json = false;                               ///< --json

protected:
  caf::config_option_adder tool_options() { return program_options(); }
};

/// What main does after parsing: exit with `exit_code` when >= 0, else run `positionals`.
struct parse_outcome {
  int exit_code = -1;
  std::vector<std::string> positionals;
  std::vector<std::string> given; ///< names of the options on the command line (no dashes)
  std::vector<std::string> nodes; ///< every --node value
};

/// --version, then CAF's parse of every `--name[=value]` anywhere in argv (io/cli_args'
/// split_args); unknown options and bad values name the option and give exit code 2, --help
/// and --version 0. `nodes` of the outcome holds every --node value.
parse_outcome parse_cli_args(cli_config& cfg, int argc, char** argv);

/// parse_cli_args for a program that takes options only: a word that is not an option is named
/// and gives exit code 2.
parse_outcome parse_options_only(cli_config& cfg, int argc, char** argv);

/// The program's name as invoked, without its directory.
std::string program_name(int argc, char** argv);

/// Pre-splits argv, sets latency-friendly scheduler defaults (policy sharing with
/// `default_threads` workers; the user's --scheduler.* wins), parses, loads the openssl
/// module when --tls.enabled, and sets up spdlog on stderr. Errors name the option and
/// give exit code 2 (a value CAF cannot read is explained with the option's name and what it
/// wants, not CAF's parser_error); --help and --version give 0.
parse_outcome parse_tool_args(tool_config& cfg, int argc, char** argv, size_t default_threads);

/// Logs to stderr through spdlog at `level` (trace|debug|info|warn|error|critical|off).
void setup_logging(const std::string& program, const std::string& level);

} // namespace ac
