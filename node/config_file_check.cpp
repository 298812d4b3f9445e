// A strict pass over the INI config file (see config_file_check.hpp).
#include "node/config_file_check.hpp"

#include <fstream>
#include <string_view>

#include <caf/config_option.hpp>

#include "core/trim.hpp"

namespace ac {

namespace {

/// Drops a `;` or `#` comment that is not inside quotes.
std::string strip_comment(const std::string& line) {
  char quote = 0;
  for (size_t i = 0; i < line.size(); ++i) {
    char c = line[i];
    if (quote) {
      if (c == quote)
        quote = 0;
    } else if (c == '"' || c == '\'') {
      quote = c;
    } else if (c == ';' || c == '#') {
      return line.substr(0, i);
    }
  }
  return line;
}

} // namespace

std::string check_config_file(const caf::config_option_set& options, const std::string& path) {
  std::ifstream in{path};
  if (!in)
    return {};
  std::string section = "global", line;
  for (int lineno = 1; std::getline(in, line); ++lineno) {
    auto where = path + ":" + std::to_string(lineno) + ": ";
    line = std::string{trim(strip_comment(line))};
    if (line.empty())
      continue;
    if (line.front() == '[') {
      if (line.back() != ']')
        return where + "malformed section header '" + line + "'";
      section = std::string{trim(std::string_view{line}.substr(1, line.size() - 2))};
      continue;
    }
    auto eq = line.find('=');
    if (eq == std::string::npos)
      return where + "expected key=value, got '" + line + "'";
    std::string key{trim(std::string_view{line}.substr(0, eq))};
    std::string value{trim(std::string_view{line}.substr(eq + 1))};
    auto name = section + "." + key;
    auto opt = options.qualified_name_lookup(section, key);
    if (opt == nullptr)
      return where + "unknown option " + name;
    auto type = opt->type_name();
    if (type == "string" || type == "std::string") {
      if (value.size() < 2 || value.front() != '"' || value.back() != '"')
        return where + name + ": a string must be quoted, e.g. " + key + "=\"...\"";
      continue;
    }
    if (type == "atom") {
      if (value.size() < 2 || value.front() != '\'' || value.back() != '\'')
        return where + name + ": an atom must be in single quotes, e.g. " + key + "='...'";
      continue;
    }
    // Lists and other composite values are left to CAF's own parser.
    if (!value.empty() && value.front() == '[')
      continue;
    if (auto parsed = opt->parse(value); !parsed)
      return where + name + ": '" + value + "' is not a valid "
             + std::string(type.data(), type.size());
  }
  return {};
}

std::string config_file_of(int argc, char** argv) {
  const std::string flag = "--config-file=";
  for (int i = 1; i < argc; ++i)
    if (std::string arg = argv[i]; arg.rfind(flag, 0) == 0)
      return arg.substr(flag.size());
  return "caf-application.ini";
}

} // namespace ac
