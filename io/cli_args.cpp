// Command-line helpers of the programs (see cli_args.hpp).
#include "io/cli_args.hpp"

#include <cctype>
#include <charconv>
#include <cmath>

#include "core/version.hpp"

namespace ac {

std::string normalize_seconds(std::string_view value) {
  if (value.empty())
    return std::string{value};
  for (char c : value)
    if (!(c >= '0' && c <= '9') && c != '.')
      return std::string{value};
  try {
    auto ms = std::llround(std::stod(std::string{value}) * 1000.0);
    return std::to_string(ms) + "ms";
  } catch (...) {
    return std::string{value};
  }
}

std::string misplaced_option(const command_options& table, const std::string& command,
                             const std::vector<std::string>& given) {
  auto own = table.find(command);
  for (const auto& name : given) {
    if (own != table.end() && own->second.count(name) > 0)
      continue;
    bool specific = false;
    for (const auto& [cmd, names] : table)
      specific = specific || names.count(name) > 0;
    if (!specific)
      continue;
    std::string takes;
    if (own != table.end())
      for (const auto& n : own->second)
        takes += (takes.empty() ? "--" : " --") + n;
    return "--" + name + " does not apply to '" + command + "'"
           + (takes.empty() ? std::string{" (it takes no options of its own)"}
                            : " (it takes: " + takes + ")");
  }
  return {};
}

bool asks_for_version(const std::vector<std::string>& args) {
  for (const auto& a : args) {
    if (a == "--")
      return false;
    if (a == "--version")
      return true;
  }
  return false;
}

boolean_args boolean_values(const std::vector<std::string>& args,
                            const std::function<bool(std::string_view)>& is_flag) {
  boolean_args out;
  bool only_positionals = false;
  for (const auto& arg : args) {
    only_positionals = only_positionals || arg == "--";
    auto eq = arg.find('=');
    if (only_positionals || arg.rfind("--", 0) != 0 || eq == std::string::npos
        || !is_flag(std::string_view{arg}.substr(2, eq - 2))) {
      out.args.push_back(arg);
      continue;
    }
    auto name = arg.substr(2, eq - 2), value = arg.substr(eq + 1);
    for (auto& c : value)
      c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (value == "true" || value == "yes" || value == "on" || value == "1") {
      out.args.push_back("--" + name);
    } else if (value == "false" || value == "no" || value == "off" || value == "0") {
      out.falses.push_back(name);
    } else if (out.error.empty()) {
      out.error = "--" + name + " is true or false, not '" + arg.substr(eq + 1) + "'";
    }
  }
  return out;
}

std::string version_line(std::string_view program) { return std::string{program} + " " + version; }

split_args_result split_args(const std::vector<std::string>& args,
                             const std::function<bool(std::string_view)>& is_known) {
  split_args_result res;
  bool only_positionals = false;
  for (const auto& arg : args) {
    if (only_positionals) {
      res.positionals.push_back(arg);
      continue;
    }
    if (arg == "--") {
      only_positionals = true;
      continue;
    }
    if (arg == "-h" || arg == "-?") {
      res.options.push_back("--help");
      continue;
    }
    if (arg.size() <= 2 || arg.compare(0, 2, "--") != 0) {
      res.positionals.push_back(arg);
      continue;
    }
    auto eq = arg.find('=');
    auto name = arg.substr(2, eq == std::string::npos ? std::string::npos : eq - 2);
    auto value = eq == std::string::npos ? std::string{} : arg.substr(eq + 1);
    if (name == "node" && is_known(name)) {
      // Comma lists are accepted too: --node=a:1,b:2.
      size_t pos = 0;
      while (pos <= value.size()) {
        auto comma = value.find(',', pos);
        auto part = value.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
        if (!part.empty())
          res.nodes.push_back(part);
        if (comma == std::string::npos)
          break;
        pos = comma + 1;
      }
      continue;
    }
    if (!is_known(name)) {
      if (res.unknown.empty())
        res.unknown = "--" + name;
      continue;
    }
    res.names.push_back(name);
    if (name == "timeout" && eq != std::string::npos)
      res.options.push_back("--timeout=" + normalize_seconds(value));
    else
      res.options.push_back(arg);
  }
  return res;
}

} // namespace ac
