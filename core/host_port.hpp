// A node address as users, config files and members write it, "host:port": the one parser of it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ac {

/// A host (a name, an IPv4 or an IPv6 literal without brackets) and a port of 1..65535.
struct host_port {
  std::string host;
  uint16_t port = 0;
  /// "host:port", the IPv6 literal in brackets ("[::1]:7101").
  std::string str() const;
};

/// "host:port" or "[ipv6]:port"; a bare IPv6 host is split at its last colon ("::1:7101"), as
/// nodes announce one. nullopt for a missing host or port, a port that is not all digits, 0 or
/// above 65535, brackets that do not hold an IPv6 literal, and a host with blanks, control
/// characters, brackets or '/' in it: bytes from the network or a config file never reach a
/// connect() or std::stoi unchecked.
std::optional<host_port> parse_host_port(std::string_view text);

} // namespace ac
