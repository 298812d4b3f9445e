// How actorcache-client reads a value to store (argument, stdin, file) and prints one it found.
#pragma once

#include <optional>
#include <string>

#include "io/json.hpp"
#include "messages/lookup.hpp"

namespace ac {

/// The value of `put KEY VALUE|-` or `put KEY --value-file=PATH`: the argument as is, all of
/// standard input for `-` (binary safe, so values past the 128 KiB argv limit fit), or the
/// file's bytes. nullopt and *why set when the file or stdin cannot be read.
std::optional<std::string> read_put_value(const std::optional<std::string>& arg,
                                          const std::string& value_file, std::string* why);

/// A found value as the client prints it.
struct shown_value {
  std::string bytes; ///< the payload (a tensor's row-major data), for --raw
  std::string text;  ///< what a person reads: bytes/text/json as they are, a tensor summarized
  std::string kind;  ///< bytes, text, json or tensor ("bytes" when read as a bare payload)
};

/// What a found lookup_result holds; nullopt and *why set when its Entry does not decode.
std::optional<shown_value> show_value(const lookup_result& r, std::string* why);

/// Adds "found" and, when found, "kind" and "value" (as a JSON string) to `obj`.
void add_value_fields(json& obj, const lookup_result& r, const shown_value* v);

/// Whether standard output is a terminal (then values and keys print escaped).
bool stdout_is_tty();

} // namespace ac
