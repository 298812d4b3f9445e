// IP address literals recognised by text alone (see ip_literal.hpp).
#include "core/ip_literal.hpp"

#include <cstddef>

namespace ac {

namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

bool is_hex_digit(char c) {
  return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

} // namespace

bool is_ipv4_literal(std::string_view text) {
  int parts = 0;
  size_t i = 0;
  for (;;) {
    size_t j = i;
    unsigned value = 0;
    while (j < text.size() && is_digit(text[j])) {
      value = value * 10 + static_cast<unsigned>(text[j] - '0');
      if (value > 255)
        return false;
      ++j;
    }
    if (j == i || (j - i > 1 && text[i] == '0'))
      return false; // an empty part, or a leading zero
    ++parts;
    if (j == text.size())
      return parts == 4;
    if (text[j] != '.' || parts == 4)
      return false;
    i = j + 1;
  }
}

bool is_ipv6_literal(std::string_view text) {
  if (text.size() < 2)
    return false;
  int groups = 0; // 16-bit groups written out (a dotted quad counts two)
  bool compressed = text.substr(0, 2) == "::";
  size_t i = compressed ? 2 : 0;
  if (!compressed && text[0] == ':')
    return false;
  while (i < text.size()) {
    size_t j = i;
    while (j < text.size() && is_hex_digit(text[j]) && j - i < 5)
      ++j;
    if (j < text.size() && text[j] == '.') { // the last 32 bits as a dotted quad
      if (!is_ipv4_literal(text.substr(i)))
        return false;
      groups += 2;
      break;
    }
    if (j == i || j - i > 4)
      return false;
    ++groups;
    if (j == text.size())
      break;
    if (text[j] != ':' || j + 1 == text.size())
      return false; // junk, or a single ':' at the end
    i = j + 1;
    if (text[i] == ':') {
      if (compressed)
        return false; // "::" may appear once
      compressed = true;
      ++i;
    }
  }
  return compressed ? groups <= 7 : groups == 8;
}

} // namespace ac
