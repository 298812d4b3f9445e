// Unit tests of core/host_port: the one parser of "host:port", on good addresses and on junk.
#include <catch2/catch.hpp>

#include "core/host_port.hpp"

using namespace ac;

TEST_CASE("host:port parses names, IPv4 and bracketed IPv6 hosts", "[host-port]") {
  auto a = parse_host_port("127.0.0.1:7101");
  REQUIRE(a);
  CHECK(a->host == "127.0.0.1");
  CHECK(a->port == 7101);
  CHECK(a->str() == "127.0.0.1:7101");
  auto name = parse_host_port("cache-1.example.org:6379");
  REQUIRE(name);
  CHECK(name->host == "cache-1.example.org");
  auto v6 = parse_host_port("[::1]:6379");
  REQUIRE(v6);
  CHECK(v6->host == "::1");
  CHECK(v6->port == 6379);
  CHECK(v6->str() == "[::1]:6379");
  CHECK(parse_host_port("h:1")->port == 1);
  CHECK(parse_host_port("h:65535")->port == 65535);
}

TEST_CASE("an IPv6 host without brackets is split at its last colon, as nodes announce it",
          "[host-port]") {
  auto v6 = parse_host_port("::1:7101");
  REQUIRE(v6);
  CHECK(v6->host == "::1");
  CHECK(v6->port == 7101);
  CHECK(v6->str() == "[::1]:7101");
  CHECK(parse_host_port(v6->str())->host == "::1"); // str() reads back
}

TEST_CASE("a missing host or port, port 0 or above 65535 and junk are refused", "[host-port]") {
  for (const char* bad :
       {"",          "localhost",     "[::1]",  "::1",     ":7101",     "h:",        "h:0",
        "h:65536",   "h:99999999999", "h:12x",  "h:+80",   "h:-1",      "h: 80",     "h:80 ",
        " h:80",     "h o:80",        "h\n:80", "[::1:80", "::1]:80",   "[]:80",     "[1.2.3.4]:80",
        "[junk]:80", "a:b:80",        "a]b:80", "h/x:80",  "user@h:80", "[::1]x:80", "h:0x50"}) {
    INFO("'" << bad << "'");
    CHECK_FALSE(parse_host_port(bad));
  }
}
