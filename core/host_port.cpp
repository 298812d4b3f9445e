// The one "host:port" parser (see host_port.hpp).
#include "core/host_port.hpp"

#include <charconv>

#include "core/ip_literal.hpp"

namespace ac {

namespace {

/// Bytes a host name or literal never holds (it would be junk, or another field run in).
bool bad_host_byte(char c) {
  auto u = static_cast<unsigned char>(c);
  return u <= 0x20 || u == 0x7F || c == '[' || c == ']' || c == '/' || c == '@';
}

} // namespace

std::string host_port::str() const {
  if (host.find(':') != std::string::npos)
    return "[" + host + "]:" + std::to_string(port);
  return host + ":" + std::to_string(port);
}

std::optional<host_port> parse_host_port(std::string_view text) {
  auto colon = text.rfind(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 == text.size())
    return std::nullopt;
  auto host = text.substr(0, colon);
  bool bracketed = host.front() == '[' || host.back() == ']';
  if (bracketed) {
    if (host.size() < 3 || host.front() != '[' || host.back() != ']')
      return std::nullopt;
    host = host.substr(1, host.size() - 2);
  }
  // A host with a colon is an IPv6 literal, bracketed or not; brackets hold nothing else.
  if ((bracketed || host.find(':') != std::string_view::npos) && !is_ipv6_literal(host))
    return std::nullopt;
  for (char c : host)
    if (bad_host_byte(c))
      return std::nullopt;
  auto digits = text.substr(colon + 1);
  unsigned port = 0;
  auto res = std::from_chars(digits.data(), digits.data() + digits.size(), port);
  if (res.ec != std::errc{} || res.ptr != digits.data() + digits.size() || port == 0
      || port > 65535)
    return std::nullopt;
  return host_port{std::string{host}, static_cast<uint16_t>(port)};
}

} // namespace ac
