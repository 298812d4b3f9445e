// The host a node announces to peers and clients (node.advertise): its validation and its default.
//
// A node binds node.host but must announce an address others can connect to: a wildcard bind
// (0.0.0.0) announced as is sends every peer to its own machine. The choice is pure: the caller
// passes the machine's interfaces (node/local_interfaces.hpp reads them), so tests need none.
#pragma once

#include <string>
#include <vector>

namespace ac {

/// One IPv4 address of one network interface, as getifaddrs lists it.
struct interface_address {
  std::string name;      ///< e.g. "eth0"
  std::string ipv4;      ///< dotted quad
  bool loopback = false; ///< IFF_LOOPBACK (or a 127.x address)
  bool up = true;        ///< IFF_UP
};

/// True for the hosts that mean "every interface": 0.0.0.0, ::, [::] and the empty string.
bool is_wildcard_host(const std::string& host);

/// Why `host` cannot be announced ("" when it can): it must be an IPv4 or IPv6 literal or a
/// DNS name, without a port and not a wildcard.
std::string advertise_host_problem(const std::string& host);

/// What a node announces, and a warning for the log when it had to guess badly.
struct advertise_choice {
  std::string host;    ///< the host peers and clients are told to use
  std::string warning; ///< non-empty: the node fell back to loopback (peers on other hosts fail)
};

/// node.advertise when set; else node.host unless it is a wildcard; else the first up,
/// non-loopback IPv4 address in `interfaces` (in their order); else 127.0.0.1 with a warning.
advertise_choice choose_advertise_host(const std::string& advertise, const std::string& bind_host,
                                       const std::vector<interface_address>& interfaces);

} // namespace ac
