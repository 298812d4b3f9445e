// Terminal-safe text from arbitrary bytes (see printable_text.hpp).
#include "core/printable_text.hpp"

#include <cstdint>

namespace ac {

namespace {

/// Length of the valid, printable UTF-8 sequence at s[i] (2..4 bytes), or 0. Overlong forms,
/// surrogates, code points past U+10FFFF and C1 controls (U+0080..U+009F, which some
/// terminals obey as escape sequences) do not count.
size_t utf8_printable_at(std::string_view s, size_t i) {
  auto b = [&](size_t k) { return static_cast<uint8_t>(s[i + k]); };
  auto cont = [&](size_t k) { return i + k < s.size() && (b(k) & 0xC0) == 0x80; };
  uint8_t c = b(0);
  if (c >= 0xC2 && c <= 0xDF && cont(1)) {
    uint32_t cp = ((c & 0x1Fu) << 6) | (b(1) & 0x3Fu);
    return cp >= 0xA0 ? 2 : 0;
  }
  if (c >= 0xE0 && c <= 0xEF && cont(1) && cont(2)) {
    uint32_t cp = ((c & 0x0Fu) << 12) | ((b(1) & 0x3Fu) << 6) | (b(2) & 0x3Fu);
    return cp >= 0x800 && (cp < 0xD800 || cp > 0xDFFF) ? 3 : 0;
  }
  if (c >= 0xF0 && c <= 0xF4 && cont(1) && cont(2) && cont(3)) {
    uint32_t cp =
      ((c & 0x07u) << 18) | ((b(1) & 0x3Fu) << 12) | ((b(2) & 0x3Fu) << 6) | (b(3) & 0x3Fu);
    return cp >= 0x10000 && cp <= 0x10FFFF ? 4 : 0;
  }
  return 0;
}

} // namespace

std::string escape_bytes(std::string_view bytes) {
  static const char* hex = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size());
  for (size_t i = 0; i < bytes.size();) {
    auto c = static_cast<uint8_t>(bytes[i]);
    if (c >= 0x80) {
      if (auto n = utf8_printable_at(bytes, i); n > 0) {
        out.append(bytes.substr(i, n));
        i += n;
        continue;
      }
    }
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '"':
        out += "\\\"";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c >= 0x20 && c < 0x7F) {
          out += static_cast<char>(c);
        } else {
          out += "\\x";
          out += hex[c >> 4];
          out += hex[c & 0xF];
        }
    }
    ++i;
  }
  return out;
}

bool is_plain_text(std::string_view bytes) { return escape_bytes(bytes) == bytes; }

} // namespace ac
