// The machine's IPv4 interface addresses (getifaddrs), for the announced host of a wildcard bind.
#pragma once

#include <vector>

#include "core/advertise_host.hpp"

namespace ac {

/// Every IPv4 address of every interface, in the kernel's order; empty when getifaddrs fails.
std::vector<interface_address> local_ipv4_interfaces();

} // namespace ac
