// What a stranger who reaches a node's port can send: control messages never arrive, membership messages are judged by sender.
#include <catch2/catch.hpp>

#include <caf/io/all.hpp>

#include "messages/kind_stats.hpp"
#include "tests/support/node_fixture.hpp"

using namespace ac;
using namespace ac::test;
using namespace std::chrono_literals;

namespace {

/// The stats of the first actor of kind T in the node's report (-1 in every field: none).
template <class T>
T stats_of_kind(node_fixture& f) {
  for (auto& a : f.report().actors)
    if (a.kind == T::kind)
      return stats_of<T>(a);
  T none;
  T::fields(none, [](const char*, int64_t& v) { v = -1; });
  return none;
}

membership_view members(node_fixture& f) {
  membership_view v;
  f.self->request(f.node.front, 5s, members_atom::value)
    .receive([&](membership_view& x) { v = std::move(x); }, [](caf::error&) {});
  return v;
}

/// The node's front published on a loopback port, where a remote peer reaches its gate.
uint16_t publish_front(node_fixture& f) {
  auto port = f.sys.middleman().publish(f.node.front, 0, "127.0.0.1");
  REQUIRE(port);
  return *port;
}

/// A stranger: another actor system (another node) connected to the node's gate, which stays
/// published while the stranger lives.
struct stranger {
  explicit stranger(node_fixture& f)
    : node(f), port(publish_front(f)), cfg(make_config([](node_config&) {})), sys(cfg), me(sys) {
    auto r = sys.middleman().remote_actor<front_actor>("127.0.0.1", port);
    REQUIRE(r);
    gate = *r;
  }
  ~stranger() { node.sys.middleman().close(port); }
  node_fixture& node;
  uint16_t port;
  node_config cfg;
  caf::actor_system sys;
  caf::scoped_actor me;
  front_actor gate;
};

} // namespace

TEST_CASE(
  "The published gate has no control interface: a stranger's control messages are dropped and change nothing",
  "[security]") {
  node_fixture f;
  REQUIRE(f.put("k", "v").empty());
  stranger s{f};
  // The typed handle cannot even name them; a forged untyped message is what an attacker sends.
  auto raw = caf::actor_cast<caf::actor>(s.gate);
  routing_table forged;
  forged.epoch = 999;
  forged.self = "someone-else";
  forged.ids = {"someone-else", "x"};
  forged.fronts = {caf::actor{}, caf::actor{}};
  s.me->send(raw, update_atom::value, forged);
  s.me->send(raw, update_atom::value, uint32_t{0}, caf::actor_cast<caf::actor>(s.me));
  s.me->send(raw, update_atom::value, caf::actor_cast<caf::actor>(s.me),
             caf::actor_cast<caf::actor>(s.me));
  caf::anon_send(raw, update_atom::value, forged);
  REQUIRE(f.eventually([&] { return stats_of_kind<front_gate_stats>(f).refused == 4; }));
  // The node serves as before, with its own routes and shards.
  CHECK(f.get("k") == "v");
  CHECK(f.put("k2", "v2").empty());
  CHECK(f.get("k2") == "v2");
  auto v = members(f);
  REQUIRE(v.members.size() == 1);
  CHECK(v.members[0].state == member_state::alive);
  CHECK(v.epoch < 999);
  CHECK(stats_of_kind<front_stats>(f).epoch < 999);
}

TEST_CASE("A stranger's leave, heartbeat and invalidation are refused and change nothing",
          "[security]") {
  node_fixture f;
  REQUIRE(f.put("k", "v").empty());
  stranger s{f};
  auto before = members(f);
  REQUIRE(before.members.size() == 1);
  auto self_id = before.members[0].id;
  // A leave of this node's own id, sent from another node.
  s.me->send(s.gate, leave_atom::value, self_id);
  // A heartbeat claiming to be this node, marking it down.
  membership_view forged = before;
  forged.self = self_id;
  for (auto& m : forged.members) {
    m.state = member_state::down;
    m.epoch += 100;
  }
  bool refused = false;
  s.me->request(s.gate, 5s, heartbeat_atom::value, forged)
    .receive([&](membership_view&) {},
             [&](caf::error& err) { refused = err.category() == errc_category; });
  CHECK(refused);
  // A heartbeat of a made-up member with other L2 settings: judged like a join, refused.
  membership_view intruder;
  intruder.self = "intruder";
  intruder.epoch = 1;
  intruder.members = {member_info{"intruder", "127.0.0.1:1", member_state::alive, 1, 0, 0, "", ""}};
  intruder.members[0].signature = "redis 10.0.0.1:6379 db 0 prefix 'x:', loader none";
  refused = false;
  s.me->request(s.gate, 5s, heartbeat_atom::value, intruder)
    .receive([&](membership_view&) {},
             [&](caf::error& err) { refused = err.category() == errc_category; });
  CHECK(refused);
  s.me->send(s.gate, invalidate_atom::value, std::string{"k"});
  REQUIRE(f.eventually([&] {
    return stats_of_kind<front_stats>(f).refused_control == 2
           && stats_of_kind<membership_stats>(f).refused == 2;
  }));
  auto after = members(f);
  REQUIRE(after.members.size() == 1);
  CHECK(after.members[0].id == self_id);
  CHECK(after.members[0].state == member_state::alive);
  CHECK(f.get("k") == "v");
}

TEST_CASE("A stranger's hand-off ask reads like a get but cannot fence a key away from its owner",
          "[security][handoff]") {
  node_fixture f{[](node_config& c) { c.loader_kind = "synthetic"; }};
  stranger s{f};
  lookup_result r;
  bool answered = false;
  s.me
    ->request(s.gate, 5s, route_atom::value, handoff_atom::value, std::string{"feat-k"},
              uint64_t{1})
    .receive(
      [&](lookup_result& x) {
        r = std::move(x);
        answered = true;
      },
      [](caf::error&) {});
  REQUIRE(answered);
  CHECK_FALSE(r.found);
  // No fence: the owner's own get loads the key here (one compute), not at the stranger.
  CHECK(f.get("feat-k").rfind("<", 0) != 0); // a value, neither "<miss>" nor "<error: ...>"
  int64_t fenced = 0, fenced_loads = 0;
  for (auto& a : f.report().actors)
    if (a.kind == "coalescer") {
      fenced += stats_of<coalescer_stats>(a).fenced;
      fenced_loads += stats_of<coalescer_stats>(a).fenced_loads;
    }
  CHECK(fenced == 0);
  CHECK(fenced_loads == 0);
}
