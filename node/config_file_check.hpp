// A strict pass over the INI config file: CAF 0.17 silently ignores unknown keys and bad values.
#pragma once

#include <string>

#include <caf/config_option_set.hpp>

namespace ac {

/// Checks every `key=value` of every section in the INI file at `path` against `options`:
/// an unknown key or a value that does not parse as the option's type gives a message naming
/// it ("config.ini:12: cache.max-bytes: ..."); "" when the file is fine or does not exist
/// (CAF itself reports a missing file).
std::string check_config_file(const caf::config_option_set& options, const std::string& path);

/// The --config-file=PATH argument, or CAF's default file name. Read before CAF's parse, which
/// applies the file as it reads it: the strict check has to run first (it is the one argument
/// looked at outside the parser, and only for its path).
std::string config_file_of(int argc, char** argv);

} // namespace ac
