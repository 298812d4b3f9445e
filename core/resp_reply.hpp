// RESP2 replies as bytes: what a node writes back to Redis clients (simple strings, errors, integers, bulks, arrays).
//
// Hand-written because it is the trivial half of the protocol (a type byte, a payload, CRLF) and
// every reply is appended to one connection buffer: hiredis only formats commands, not replies.
#pragma once

#include <charconv>
#include <cstdint>
#include <string>
#include <string_view>

namespace ac::resp {

inline void append_number(std::string& out, int64_t n) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, n);
  (void)ec;
  out.append(buf, end);
}

/// `+OK\r\n`. `s` must not contain CR or LF.
inline void simple(std::string& out, std::string_view s) {
  out.push_back('+');
  out.append(s);
  out.append("\r\n");
}

inline void ok(std::string& out) { out.append("+OK\r\n"); }

/// `-CODE message\r\n`; CR and LF in the message become spaces (an error is one line).
inline void error(std::string& out, std::string_view code_and_message) {
  out.push_back('-');
  for (char c : code_and_message)
    out.push_back(c == '\r' || c == '\n' ? ' ' : c);
  out.append("\r\n");
}

inline void integer(std::string& out, int64_t n) {
  out.push_back(':');
  append_number(out, n);
  out.append("\r\n");
}

/// A bulk string: binary safe, any bytes.
inline void bulk(std::string& out, std::string_view s) {
  out.push_back('$');
  append_number(out, static_cast<int64_t>(s.size()));
  out.append("\r\n");
  out.append(s);
  out.append("\r\n");
}

/// The nil bulk string: what GET answers for a missing key.
inline void nil(std::string& out) { out.append("$-1\r\n"); }

/// The header of an array of n elements; the n elements follow.
inline void array(std::string& out, size_t n) {
  out.push_back('*');
  append_number(out, static_cast<int64_t>(n));
  out.append("\r\n");
}

} // namespace ac::resp
