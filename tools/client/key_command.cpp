// The key command: reads a .npy file and prints its normalized feature key; no actor system.
#include "tools/client/key_command.hpp"

#include <fstream>
#include <iostream>
#include <iterator>
#include <utility>

#include <nlohmann/json.hpp>

#include "core/key_normalization.hpp"
#include "core/npy_reader.hpp"
#include "tools/common/cli_options.hpp"

namespace ac {

namespace {

constexpr const char* key_usage =
  "usage: actorcache-client key --npy=FILE [--param=NAME=VALUE ...] [--json]";

int key_fail(const std::string& what) {
  std::cerr << "actorcache-client: " << what << "\n" << key_usage << "\n";
  return 2;
}

/// Reads and parses the .npy file `path` (core/npy_reader parses the bytes); false with `why`
/// when it cannot be read or parsed.
bool read_npy_file(const std::string& path, npy_array& out, std::string& why) {
  std::ifstream in{path, std::ios::binary};
  if (!in) {
    why = "cannot read '" + path + "'";
    return false;
  }
  std::string bytes{std::istreambuf_iterator<char>{in}, std::istreambuf_iterator<char>{}};
  if (!parse_npy(bytes, out, why)) {
    why = path + ": " + why;
    return false;
  }
  return true;
}

bool starts_with(const std::string& s, const std::string& prefix) {
  return s.compare(0, prefix.size(), prefix) == 0;
}

/// The key command's options: the shared parser (tools/common/cli_options, CAF's own) over the
/// options every client command takes, and --npy. No actor system is started from it.
class key_config : public tool_config {
public:
  key_config() { tool_options().add(npy, "npy", "the .npy file whose feature key to print"); }
  std::string npy;
};

/// `--param=NAME=VALUE` may be given many times, which CAF's parser cannot take (it keeps the
/// last value of an option): they are taken out of `args` here, as `--node` is by split_args.
/// Returns the reason when one is not NAME=VALUE.
std::string take_params(std::vector<std::string>& args,
                        std::vector<std::pair<std::string, std::string>>& params) {
  std::vector<std::string> rest;
  bool after_dashes = false;
  for (auto& a : args) {
    after_dashes = after_dashes || a == "--";
    if (after_dashes || !starts_with(a, "--param=")) {
      rest.push_back(std::move(a));
      continue;
    }
    auto nv = a.substr(8);
    auto eq = nv.find('=');
    if (eq == std::string::npos || eq == 0)
      return "--param wants NAME=VALUE, not '" + nv + "'";
    params.emplace_back(nv.substr(0, eq), nv.substr(eq + 1));
  }
  args = std::move(rest);
  return {};
}

} // namespace

bool is_key_command(const std::vector<std::string>& args) {
  for (auto& a : args)
    if (!starts_with(a, "-"))
      return a == "key";
  return false;
}

int run_key_command(const std::vector<std::string>& given) {
  auto args = given;
  std::vector<std::pair<std::string, std::string>> params;
  if (auto why = take_params(args, params); !why.empty())
    return key_fail(why);
  std::vector<char*> argv{const_cast<char*>("actorcache-client")};
  for (auto& a : args)
    argv.push_back(a.data());
  key_config cfg;
  auto parsed = parse_cli_args(cfg, static_cast<int>(argv.size()), argv.data());
  if (parsed.exit_code >= 0)
    return parsed.exit_code;
  for (auto& word : parsed.positionals) // "key" once, and nothing else
    if (&word != &parsed.positionals.front() || word != "key")
      return key_fail("key: unexpected argument '" + word + "'");
  if (cfg.npy.empty())
    return key_fail("key needs --npy=FILE");
  npy_array array;
  std::string why;
  if (!read_npy_file(cfg.npy, array, why))
    return key_fail(why);
  auto key = normalize_features_key(array.values, array.shape, config_signature(params));
  if (cfg.json)
    std::cout << nlohmann::json{{"key", key}}.dump() << "\n";
  else
    std::cout << key << "\n";
  return 0;
}

} // namespace ac
