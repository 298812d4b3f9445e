// UTF-8 validity of arbitrary bytes, and a lossless repair for writers that need valid UTF-8 (JSON).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace ac {

/// Length of the valid UTF-8 sequence starting at s[i] (1 for ASCII, 2..4), or 0 when it is
/// not valid: overlong forms, surrogates and code points above U+10FFFF count as invalid.
size_t utf8_sequence_length(std::string_view s, size_t i);

/// `bytes` with valid UTF-8 kept as it is and every other byte read as its Latin-1 character
/// (U+0080..U+00FF, two bytes in UTF-8): a key or value of any bytes becomes a JSON string, and
/// a reader sees each invalid byte as the code point of the same number.
std::string to_valid_utf8(std::string_view bytes);

} // namespace ac
