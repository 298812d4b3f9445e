// IP address literals recognised by text alone, as inet_pton would (core/ links no network stack).
#pragma once

#include <string_view>

namespace ac {

/// A dotted quad as inet_pton(AF_INET) takes it: four decimal parts of 0..255 without leading
/// zeros ("1.02.3.4" is not one) and nothing else.
bool is_ipv4_literal(std::string_view text);

/// An IPv6 address as inet_pton(AF_INET6) takes it: eight groups of 1..4 hex digits separated by
/// ':', one "::" standing for one or more zero groups, the last two groups optionally written as
/// a dotted quad ("::ffff:10.0.0.1"). No brackets, no zone ("%eth0").
bool is_ipv6_literal(std::string_view text);

} // namespace ac
