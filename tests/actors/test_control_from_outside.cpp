// The published front refuses node-internal control messages and forged leaves from other nodes.
#include <catch2/catch.hpp>

#include <caf/io/all.hpp>

#include "actors/stats_helpers.hpp"
#include "tests/support/node_fixture.hpp"

using namespace ac;
using namespace ac::test;
using namespace std::chrono_literals;

TEST_CASE("Control and forged leave messages from a non-member change nothing", "[security]") {
  node_fixture f;
  REQUIRE(f.put("k", "v").empty());
  auto port = f.sys.middleman().publish(f.node.front, 0, "127.0.0.1");
  REQUIRE(port);
  // Another actor system is another node: what a stranger reaching the port could send.
  node_config other_cfg = make_config([](node_config&) {});
  caf::actor_system stranger{other_cfg};
  auto remote = stranger.middleman().remote_actor<front_actor>("127.0.0.1", *port);
  REQUIRE(remote);
  caf::scoped_actor me{stranger};
  routing_table forged;
  forged.epoch = 999;
  forged.self = "someone-else";
  forged.ids = {"someone-else", "x"};
  forged.fronts = {caf::actor{}, caf::actor{}};
  me->send(*remote, update_atom::value, forged);
  me->send(*remote, update_atom::value, uint32_t{0}, caf::actor_cast<caf::actor>(me));
  me->send(*remote, update_atom::value, caf::actor_cast<caf::actor>(me), caf::actor_cast<caf::actor>(me));
  me->send(*remote, leave_atom::value, std::string{"test-node"});
  caf::anon_send(*remote, update_atom::value, forged);
  // All five refused, counted, and the node serves as before.
  REQUIRE(f.eventually([&] {
    for (auto& a : f.report().actors)
      if (a.kind == "front")
        return counter_of(a, "refused_control") == 5;
    return false;
  }));
  CHECK(f.get("k") == "v");
  CHECK(f.put("k2", "v2").empty());
  CHECK(f.get("k2") == "v2");
  membership_view v;
  f.self->request(f.node.front, 5s, members_atom::value)
    .receive([&](membership_view& x) { v = std::move(x); }, [](caf::error&) {});
  REQUIRE(v.members.size() == 1);
  CHECK(v.members[0].state == "alive");
  CHECK(v.epoch < 999);
  stranger.middleman().close(*port);
}
