// Command-line helpers of the programs: argv pre-splitting, --version, seconds shorthand, misplaced options.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace ac {

/// argv (without the program name) divided into what CAF parses and what the tool reads.
struct split_args_result {
  std::vector<std::string> options; ///< `--name[=value]` the parser knows, in argv order
  std::vector<std::string> names;   ///< the names of `options` (no dashes, no value), same order
  std::vector<std::string> positionals; ///< command words and their arguments, in order
  std::vector<std::string> nodes;       ///< every `--node=` value (repeatable, `a,b` splits)
  std::string unknown;                  ///< first `--option` nobody knows ("" if none)
};

/// CAF stops parsing at the first positional argument, but users write options after the
/// command (`client --node=H:P put K V --ttl=5`). So every `--name[=value]` anywhere is an
/// option when `is_known(name)` says so, everything else is positional; after a bare `--`
/// all arguments are positional (for values starting with dashes). `-h`/`-?` ask for help.
/// `--node` (where the program has it) is taken out here: CAF would keep only its last one. A bare
/// number for `--timeout` means seconds (`--timeout=2` -> `--timeout=2000ms`).
split_args_result split_args(const std::vector<std::string>& args,
                             const std::function<bool(std::string_view)>& is_known);

/// Which options each command of a tool takes (option names without dashes); options in no
/// list are common to every command (--node, --timeout, --tls.*, ...).
using command_options = std::map<std::string, std::set<std::string>>;

/// The first of `given` that some command of `table` takes but `command` does not, as an
/// error message ("--all does not apply to 'members' (it takes: --json --watch)"); "" when
/// every given option applies. So an option is never silently ignored.
std::string misplaced_option(const command_options& table, const std::string& command,
                             const std::vector<std::string>& given);

/// `--name=VALUE` of boolean options, made something CAF 0.17 reads.
struct boolean_args {
  std::vector<std::string> args; ///< the arguments, with `--name=true` as the bare `--name`
  std::vector<std::string>
    falses;          ///< names given `=false`: taken out, to be stored after the parse
  std::string error; ///< a value that is no boolean, said with the option ("" if none)
};

/// Why: CAF 0.17 reads a boolean option only as a bare flag (`--redis.enabled`): `--name=true`
/// fails to parse, and there is no way to say false on the command line, so an option that is
/// on by default (`warming.predictive`, `resp.loop-hits`) could be turned off only in a config
/// file. Here `--name=VALUE` of an option `is_flag` names becomes the bare flag for true and is
/// taken out for false (the caller stores false after the parse, so it wins over the file, as
/// every command-line option does). VALUE: true/false, yes/no, on/off, 1/0; anything else is an
/// error. Arguments after a bare `--` are left alone.
boolean_args boolean_values(const std::vector<std::string>& args,
                            const std::function<bool(std::string_view)>& is_flag);

/// Whether argv (without the program name) asks for `--version` (before a bare `--`).
bool asks_for_version(const std::vector<std::string>& args);

/// What `--version` prints: "actorcache-client 0.1.0" for program "actorcache-client".
std::string version_line(std::string_view program);

/// "2" -> "2000ms", "0.5" -> "500ms"; anything else (already with a unit) is returned as is.
std::string normalize_seconds(std::string_view value);

} // namespace ac
