// Unit tests of core/ip_literal: IPv4 and IPv6 literals recognised as inet_pton recognises them.
#include <catch2/catch.hpp>

#include <arpa/inet.h>

#include <random>
#include <string>

#include "core/ip_literal.hpp"

using namespace ac;

namespace {

// The reference the pure functions must agree with (tests may use the network stack; core/ not).
bool pton4(const std::string& s) {
  in_addr a{};
  return ::inet_pton(AF_INET, s.c_str(), &a) == 1;
}

bool pton6(const std::string& s) {
  in6_addr a{};
  return ::inet_pton(AF_INET6, s.c_str(), &a) == 1;
}

} // namespace

TEST_CASE("dotted quads are IPv4 literals; parts past 255, leading zeros and junk are not",
          "[ip]") {
  for (const char* s : {"0.0.0.0", "127.0.0.1", "10.0.0.300", "255.255.255.255", "256.1.1.1",
                        "1.02.3.4", "1.2.3", "1.2.3.4.5", "1..3.4", ".1.2.3", "1.2.3.4.", "a.b.c.d",
                        " 1.2.3.4", "1.2.3.4 ", "", "1.2.3.-4", "01.2.3.4"}) {
    INFO(s);
    CHECK(is_ipv4_literal(s) == pton4(s));
  }
  CHECK(is_ipv4_literal("192.168.1.10"));
  CHECK_FALSE(is_ipv4_literal("10.0.0.300"));
}

TEST_CASE("IPv6 literals: groups, one '::', a trailing dotted quad; brackets and zones are not",
          "[ip]") {
  for (const char* s : {"::",
                        "::1",
                        "1::",
                        "fe80::1",
                        "2001:db8::8a2e:370:7334",
                        "1:2:3:4:5:6:7:8",
                        "1:2:3:4:5:6:7:8:9",
                        "1:2:3:4:5:6:7",
                        "1:2:3:4:5:6::7:8",
                        "1:2:3:4:5:6:7::",
                        "::ffff:10.0.0.1",
                        "1:2:3:4:5:6:1.2.3.4",
                        ":::",
                        "1:::2",
                        "1::2::3",
                        ":1::",
                        "1:",
                        ":1",
                        "12345::",
                        "[::1]",
                        "::1%eth0",
                        "g::1",
                        "::1.2.3",
                        "::1.2.3.256",
                        "1.2.3.4",
                        "",
                        ":",
                        "::ffff:1.2.3.4:5",
                        "ABCD:ef01::",
                        "0:0:0:0:0:0:0:0"}) {
    INFO(s);
    CHECK(is_ipv6_literal(s) == pton6(s));
  }
}

TEST_CASE(
  "on random short strings of digits, hex letters, dots and colons both agree with "
  "inet_pton",
  "[ip]") {
  std::mt19937 rng{20};
  const std::string alphabet = "0123456789abcdefx.:";
  std::uniform_int_distribution<size_t> pick{0, alphabet.size() - 1}, length{0, 20};
  for (int i = 0; i < 200000; ++i) {
    std::string s;
    for (size_t n = length(rng); n > 0; --n)
      s += alphabet[pick(rng)];
    INFO(s);
    REQUIRE(is_ipv4_literal(s) == pton4(s));
    REQUIRE(is_ipv6_literal(s) == pton6(s));
  }
}
