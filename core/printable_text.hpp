// Terminal-safe text from arbitrary bytes: keys and values never reach a terminal raw.
#pragma once

#include <string>
#include <string_view>

namespace ac {

/// `bytes` as one line of text that a terminal cannot misread: printable ASCII and valid
/// UTF-8 (C1 controls excepted) stay as they are; `\` and `"` become `\\` and `\"`; newline,
/// carriage return and tab become `\n`, `\r`, `\t`; every other byte (ESC, NUL, invalid
/// UTF-8, ...) becomes `\xNN`. Escaping `"` keeps `""` free to mean "an empty value".
std::string escape_bytes(std::string_view bytes);

/// Whether escape_bytes(bytes) == bytes.
bool is_plain_text(std::string_view bytes);

} // namespace ac
