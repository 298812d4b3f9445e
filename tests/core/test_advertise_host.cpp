// Tests for the host a node announces (node.advertise): validation and the wildcard default.
#include <catch2/catch.hpp>

#include "core/advertise_host.hpp"

using namespace ac;

namespace {

std::vector<interface_address> machine() {
  return {{"lo", "127.0.0.1", true, true},
          {"docker0", "172.17.0.1", false, false}, // down: skipped
          {"eth0", "10.213.7.3", false, true},
          {"eth1", "192.168.1.5", false, true}};
}

} // namespace

TEST_CASE("an explicit node.advertise is announced whatever node.host is") {
  CHECK(choose_advertise_host("cache-1.example", "0.0.0.0", machine()).host == "cache-1.example");
  CHECK(choose_advertise_host("10.0.0.9", "127.0.0.1", machine()).host == "10.0.0.9");
}

TEST_CASE("a concrete node.host is announced as it is bound") {
  auto c = choose_advertise_host("", "10.213.7.3", machine());
  CHECK(c.host == "10.213.7.3");
  CHECK(c.warning.empty());
  CHECK(choose_advertise_host("", "127.0.0.1", machine()).host == "127.0.0.1");
}

TEST_CASE("a wildcard node.host announces the first up non-loopback IPv4 address") {
  for (auto wildcard : {"0.0.0.0", "::", ""}) {
    auto c = choose_advertise_host("", wildcard, machine());
    CHECK(c.host == "10.213.7.3");
    CHECK(c.warning.empty());
  }
}

TEST_CASE(
  "a wildcard node.host on a machine with only loopback announces 127.0.0.1 with a warning") {
  std::vector<interface_address> only_lo{{"lo", "127.0.0.1", true, true},
                                         {"weird", "127.0.0.2", false, true}};
  auto c = choose_advertise_host("", "0.0.0.0", only_lo);
  CHECK(c.host == "127.0.0.1");
  CHECK(c.warning.find("node.advertise") != std::string::npos);
  CHECK(choose_advertise_host("", "0.0.0.0", {}).host == "127.0.0.1");
}

TEST_CASE("addresses and host names are valid advertise hosts") {
  for (auto ok :
       {"10.213.7.3", "127.0.0.1", "fe80::1", "::1", "localhost", "cache-1.example.org", "node7"})
    CHECK(advertise_host_problem(ok).empty());
}

TEST_CASE("wildcards, ports and junk are refused with a reason") {
  CHECK(advertise_host_problem("0.0.0.0").find("every interface") != std::string::npos);
  CHECK(advertise_host_problem("::").find("every interface") != std::string::npos);
  CHECK(advertise_host_problem("10.0.0.1:7101").find("port") != std::string::npos);
  CHECK(advertise_host_problem("host.example:7101").find("port") != std::string::npos);
  for (auto junk : {"10.0.0.300", "1.2.3", "-bad.example", "bad-.example", "a..b", "sp ace",
                    "under_score", "x/y", "http://host"})
    CHECK(advertise_host_problem(junk).find("neither") != std::string::npos);
}
