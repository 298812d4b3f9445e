// A cluster across network namespaces: nodes bound to 0.0.0.0 announce their own host's address and serve each other's keys.
#include <catch2/catch.hpp>

#include "core/host_port.hpp"
#include "tests/netns/netns_cluster.hpp"

using namespace ac::test;
using namespace std::chrono_literals;

namespace {

/// The host part of "host:port" (core/host_port); "" when it is not one.
std::string host_of(const std::string& address) {
  auto hp = ac::parse_host_port(address);
  return hp ? hp->host : std::string{};
}

} // namespace

// Long on purpose: one scenario (three hosts, nodes on the wildcard address, what each announces,
// then reads across them), each step depending on the one before.
TEST_CASE(
  "Three nodes bound to 0.0.0.0 on three hosts announce their hosts' addresses and "
  "serve one another's keys") {
  skip_unless_netns();
  netns_cluster c{3};
  REQUIRE(c.start_redis());
  std::vector<std::string> common = c.redis_options();
  common.insert(common.end(),
                {"--cluster.heartbeat-interval=200ms", "--cluster.failure-timeout=2s"});
  auto& n1 = c.add_node(0, "n1", common);
  REQUIRE(n1.start());
  auto seeded = common;
  seeded.push_back(n1.seed_option());
  c.add_node(1, "n2", seeded);
  // One node names its address itself: the same as the default would pick, said explicitly.
  auto explicit_advertise = seeded;
  explicit_advertise.push_back("--node.advertise=" + c.hosts.address(2));
  c.add_node(2, "n3", explicit_advertise);
  REQUIRE(c.nodes[1]->start());
  REQUIRE(c.nodes[2]->start());

  INFO("hosts " << c.hosts.address(0) << ", " << c.hosts.address(1) << ", " << c.hosts.address(2));
  REQUIRE(c.await_alive_everywhere(3, 15s));

  // Every node reports every member at that member's own host, for CAF and RESP alike.
  for (size_t k = 0; k < c.nodes.size(); ++k) {
    auto rows = members_of(c.nodes[k]->reach(), c.nodes[k]->resp_port());
    REQUIRE(rows.size() == 3);
    for (auto& m : rows) {
      int host = m.id == "n1" ? 0 : m.id == "n2" ? 1 : 2;
      INFO("seen by " << c.nodes[k]->id() << ": " << m.id << " at " << m.address << " / "
                      << m.resp_address);
      CHECK(host_of(m.address) == c.hosts.address(host));
      CHECK(host_of(m.resp_address) == c.hosts.address(host));
      CHECK(m.address.find("0.0.0.0") == std::string::npos);
    }
  }
  // The console's members --json (over CAF) says the same.
  auto json = c.nodes[1]->console({"members", "--json"});
  REQUIRE(json.exit_code == 0);
  CHECK(json.out.find("0.0.0.0") == std::string::npos);
  for (int h = 0; h < 3; ++h)
    CHECK(json.out.find("\"" + c.hosts.address(h) + ":") != std::string::npos);

  // Keys set through node 1 read back through the others (a third owned by each node).
  resp_client w{n1.reach(), n1.resp_port(), netns_reply_timeout};
  for (int i = 0; i < 30; ++i)
    REQUIRE(text_of(w.run({"SET", "form:" + std::to_string(i), "value-" + std::to_string(i)}).get())
            == "OK");
  std::vector<std::string> owners;
  for (size_t k = 1; k < c.nodes.size(); ++k) {
    resp_client r{c.nodes[k]->reach(), c.nodes[k]->resp_port(), netns_reply_timeout};
    for (int i = 0; i < 30; ++i) {
      auto key = "form:" + std::to_string(i);
      CHECK(text_of(r.run({"GET", key}).get()) == "value-" + std::to_string(i));
      auto owner = text_of(r.run({"AC.OWNER", key}).get());
      CHECK(owner.find("0.0.0.0") == std::string::npos);
      owners.push_back(host_of(owner));
    }
  }
  // The keys spread over all three hosts' addresses: AC.OWNER names real, distinct hosts.
  for (int h = 0; h < 3; ++h)
    CHECK(std::find(owners.begin(), owners.end(), c.hosts.address(h)) != owners.end());
}
