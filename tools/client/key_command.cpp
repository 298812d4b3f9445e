// The key command: reads a .npy file and prints its normalized feature key; no actor system.
#include "tools/client/key_command.hpp"

#include <fstream>
#include <iostream>
#include <iterator>
#include <utility>

#include "core/key_normalization.hpp"
#include "core/npy_reader.hpp"

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

std::string json_quote(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\')
      out += '\\';
    out += c;
  }
  return out + "\"";
}

} // namespace

bool is_key_command(const std::vector<std::string>& args) {
  for (auto& a : args)
    if (!starts_with(a, "-"))
      return a == "key";
  return false;
}

int run_key_command(const std::vector<std::string>& args) {
  std::string npy;
  bool json = false;
  std::vector<std::pair<std::string, std::string>> params;
  bool seen_command = false;
  for (auto& a : args) {
    if (starts_with(a, "--npy=")) {
      npy = a.substr(6);
    } else if (starts_with(a, "--param=")) {
      auto nv = a.substr(8);
      auto eq = nv.find('=');
      if (eq == std::string::npos || eq == 0)
        return key_fail("--param wants NAME=VALUE, not '" + nv + "'");
      params.emplace_back(nv.substr(0, eq), nv.substr(eq + 1));
    } else if (a == "--json") {
      json = true;
    } else if (starts_with(a, "--log.level=") || starts_with(a, "--node=")
               || starts_with(a, "--timeout=")) {
      // common options every command accepts; the key command does not use them
    } else if (a == "key" && !seen_command) {
      seen_command = true;
    } else {
      return key_fail("key: unexpected argument '" + a + "'");
    }
  }
  if (npy.empty())
    return key_fail("key needs --npy=FILE");
  npy_array array;
  std::string why;
  if (!read_npy_file(npy, array, why))
    return key_fail(why);
  auto key = normalize_features_key(array.values, array.shape, config_signature(params));
  if (json)
    std::cout << "{\"key\": " << json_quote(key) << "}\n";
  else
    std::cout << key << "\n";
  return 0;
}

} // namespace ac
