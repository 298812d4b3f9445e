// Unit tests of the membership protocol: every transition, driven by events with a fake clock.
#include <catch2/catch.hpp>

#include <algorithm>

#include "core/membership_protocol.hpp"

using namespace ac;
using namespace std::chrono_literals;
using kind = membership_action::kind;
using clock_type = membership_protocol::clock;

namespace {

membership_settings settings(std::vector<std::string> seeds = {}) {
  membership_settings s;
  s.self_id = "a";
  s.address = "10.0.0.1:4000";
  s.resp_address = "10.0.0.1:6400";
  s.signature = "redis off";
  s.seeds = std::move(seeds);
  s.heartbeat_interval = 100ms;
  s.failure_timeout = 1000ms;
  return s;
}

member_info member(std::string id, std::string address, member_state st = member_state::alive) {
  member_info m;
  m.id = std::move(id);
  m.address = std::move(address);
  m.state = st;
  m.signature = "redis off";
  return m;
}

membership_view view_of(std::string self, std::vector<member_info> members, uint64_t epoch = 1) {
  membership_view v;
  v.self = std::move(self);
  v.members = std::move(members);
  v.epoch = epoch;
  return v;
}

size_t count(const membership_protocol::actions& out, kind k) {
  return static_cast<size_t>(
    std::count_if(out.begin(), out.end(), [k](const membership_action& a) { return a.what == k; }));
}

const membership_action* find(const membership_protocol::actions& out, kind k) {
  for (const auto& a : out)
    if (a.what == k)
      return &a;
  return nullptr;
}

/// A protocol that knows member "b" as alive and connected, reached through a join at t0.
struct with_member_b {
  clock_type::time_point t0 = clock_type::time_point{} + 1h;
  membership_protocol p{settings()};

  with_member_b() {
    membership_protocol::actions out;
    auto r = p.on_join_request(member("b", "10.0.0.2:4000"), t0, 0, out);
    REQUIRE(r.refusal.empty());
    REQUIRE(find(out, kind::connect) != nullptr);
    out.clear();
    REQUIRE(p.on_connected("b", out));
    REQUIRE(find(out, kind::join) != nullptr);
    auto answer = p.on_join_answer("b", view_of("b", {member("b", "10.0.0.2:4000")}), t0, 0);
    REQUIRE(p.state_of("b") == member_state::alive);
  }
};

} // namespace

TEST_CASE("member states read and print as the words of the members list") {
  for (auto s :
       {member_state::suspect, member_state::alive, member_state::down, member_state::left})
    CHECK(parse_member_state(to_string(s)) == s);
  CHECK_FALSE(parse_member_state("Alive").has_value());
  CHECK_FALSE(parse_member_state("").has_value());
}

TEST_CASE(
  "a seed is a placeholder that is connected on the first tick and renamed by its join answer") {
  membership_protocol p{settings({"10.0.0.2:4000", "10.0.0.1:4000"})};
  // The node's own address among the seeds is skipped; placeholders are not in the view.
  CHECK(p.counters().members == 2);
  CHECK(p.view(0, false).members.size() == 1);
  auto t = clock_type::time_point{} + 1h;
  auto out = p.on_tick(t, 0);
  auto c = find(out, kind::connect);
  REQUIRE(c != nullptr);
  CHECK(c->id == "seed:10.0.0.2:4000");
  CHECK(c->host == "10.0.0.2");
  CHECK(c->port == 4000);
  // A connect is out: the next tick does not start another.
  CHECK(count(p.on_tick(t + 100ms, 0), kind::connect) == 0);
  membership_protocol::actions joined;
  REQUIRE(p.on_connected("seed:10.0.0.2:4000", joined));
  CHECK(count(joined, kind::join) == 1);
  out = p.on_join_answer("seed:10.0.0.2:4000", view_of("b", {member("b", "10.0.0.2:4000")}),
                         t + 200ms, 5);
  auto r = find(out, kind::rename);
  REQUIRE(r != nullptr);
  CHECK(r->id == "seed:10.0.0.2:4000");
  CHECK(r->to == "b");
  CHECK(count(out, kind::publish) >= 1);
  CHECK(p.state_of("b") == member_state::alive);
  CHECK_FALSE(p.state_of("seed:10.0.0.2:4000").has_value());
  auto routes = p.routes();
  CHECK(routes.ids == std::vector<std::string>{"a", "b"});
  CHECK(routes.resp_addresses[0] == "10.0.0.1:6400");
}

TEST_CASE("an unreachable seed is tried again after half a failure timeout") {
  membership_protocol p{settings({"10.0.0.2:4000"})};
  auto t = clock_type::time_point{} + 1h;
  REQUIRE(count(p.on_tick(t, 0), kind::connect) == 1);
  p.on_connect_failed("seed:10.0.0.2:4000", t);
  CHECK(count(p.on_tick(t + 400ms, 0), kind::connect) == 0);
  CHECK(count(p.on_tick(t + 500ms, 0), kind::connect) == 1);
}

TEST_CASE("a member with a malformed address is never connected") {
  for (std::string bad :
       {"10.0.0.2", "10.0.0.2:", ":4000", "10.0.0.2:99999", "10.0.0.2:40x0", "10.0.0.2:0"}) {
    membership_protocol p{settings({bad})};
    auto out = p.on_tick(clock_type::time_point{} + 1h, 0);
    CHECK(count(out, kind::connect) == 0);
    auto log = find(out, kind::log);
    REQUIRE(log != nullptr);
    CHECK(log->warn);
  }
  membership_protocol v6{settings({"[::1]:4000"})};
  auto c = find(v6.on_tick(clock_type::time_point{} + 1h, 0), kind::connect);
  REQUIRE(c != nullptr);
  CHECK(c->host == "::1");
}

TEST_CASE("a connected member gets one heartbeat at a time, carrying this node's view") {
  with_member_b f;
  auto out = f.p.on_tick(f.t0 + 100ms, 42);
  auto hb = find(out, kind::heartbeat);
  REQUIRE(hb != nullptr);
  CHECK(hb->id == "b");
  CHECK(hb->view.self == "a");
  CHECK(hb->view.members.front().last_heartbeat_ms == 42);
  CHECK(count(f.p.on_tick(f.t0 + 200ms, 0), kind::heartbeat) == 0);
  f.p.on_heartbeat_failed("b");
  CHECK(count(f.p.on_tick(f.t0 + 300ms, 0), kind::heartbeat) == 1);
  CHECK(f.p.counters().heartbeats == 2);
}

TEST_CASE("a member silent past the failure timeout is down, and its return is a heal") {
  with_member_b f;
  auto out = f.p.on_tick(f.t0 + 900ms, 0);
  CHECK(f.p.state_of("b") == member_state::alive);
  f.p.on_heartbeat_failed("b");
  out = f.p.on_tick(f.t0 + 1100ms, 0);
  CHECK(f.p.state_of("b") == member_state::down);
  CHECK(count(out, kind::publish) >= 1);
  CHECK(f.p.routes().ids == std::vector<std::string>{"a"});
  CHECK(f.p.counters().downs == 1);
  CHECK(f.p.heals() == 0);
  out =
    f.p.on_heartbeat_answer("b", view_of("b", {member("b", "10.0.0.2:4000")}), f.t0 + 1200ms, 0);
  CHECK(f.p.state_of("b") == member_state::alive);
  CHECK(f.p.heals() == 1);
  CHECK(f.p.routes().heals == 1);
  CHECK(f.p.routes().ids == std::vector<std::string>{"a", "b"});
}

TEST_CASE(
  "a broken connection makes a member down at once and it is reconnected a heartbeat later") {
  with_member_b f;
  auto out = f.p.on_connection_lost("b", f.t0 + 10ms);
  CHECK(f.p.state_of("b") == member_state::down);
  CHECK(count(out, kind::publish) == 1);
  CHECK(count(f.p.on_tick(f.t0 + 50ms, 0), kind::connect) == 0);
  CHECK(count(f.p.on_tick(f.t0 + 110ms, 0), kind::connect) == 1);
}

TEST_CASE("gossip introduces alive members but never spreads down") {
  with_member_b f;
  membership_protocol::actions out;
  auto v = view_of("b", {member("b", "10.0.0.2:4000"), member("c", "10.0.0.3:4000"),
                         member("d", "10.0.0.4:4000", member_state::down)});
  auto r = f.p.on_heartbeat_request(v, heartbeat_sender{}, f.t0 + 10ms, 0, out);
  REQUIRE(r.refusal.empty());
  CHECK(f.p.state_of("c") == member_state::suspect); // alive once reached directly
  CHECK_FALSE(f.p.state_of("d").has_value());        // a down member it never knew: ignored
  auto c = find(out, kind::connect);
  REQUIRE(c != nullptr);
  CHECK(c->id == "c");
  // "c is down" from b does not make c down here.
  membership_protocol::actions more;
  REQUIRE(f.p.on_connected("c", more));
  f.p.on_join_answer("c", view_of("c", {member("c", "10.0.0.3:4000")}), f.t0 + 20ms, 0);
  REQUIRE(f.p.state_of("c") == member_state::alive);
  v.members[1].state = member_state::down;
  f.p.on_heartbeat_request(v, heartbeat_sender{}, f.t0 + 30ms, 0, out);
  CHECK(f.p.state_of("c") == member_state::alive);
}

TEST_CASE("a later epoch in a peer's view is adopted") {
  with_member_b f;
  membership_protocol::actions out;
  f.p.on_heartbeat_request(view_of("b", {member("b", "10.0.0.2:4000")}, 99), heartbeat_sender{},
                           f.t0, 0, out);
  CHECK(f.p.epoch() == 99);
  CHECK(count(out, kind::publish) >= 1);
}

TEST_CASE("a peer whose view has this node down counts one heal until it sees this node again") {
  with_member_b f;
  auto down_view =
    view_of("b", {member("b", "10.0.0.2:4000"), member("a", "10.0.0.1:4000", member_state::down)});
  f.p.on_heartbeat_answer("b", down_view, f.t0 + 10ms, 0);
  CHECK(f.p.heals() == 1);
  f.p.on_heartbeat_answer("b", down_view, f.t0 + 20ms, 0);
  CHECK(f.p.heals() == 1);
  f.p.on_heartbeat_answer(
    "b", view_of("b", {member("b", "10.0.0.2:4000"), member("a", "10.0.0.1:4000")}), f.t0 + 30ms,
    0);
  f.p.on_heartbeat_answer("b", down_view, f.t0 + 40ms, 0);
  CHECK(f.p.heals() == 2);
}

TEST_CASE("a tick later than the failure timeout is a heal when this node had live peers") {
  membership_protocol alone{settings()};
  auto t = clock_type::time_point{} + 1h;
  alone.on_tick(t, 0);
  alone.on_tick(t + 5s, 0);
  CHECK(alone.heals() == 0); // nobody took anything over

  with_member_b f;
  f.p.on_tick(f.t0 + 100ms, 0);
  auto out = f.p.on_tick(f.t0 + 1500ms, 0);
  CHECK(f.p.heals() == 1);
  auto log = find(out, kind::log);
  REQUIRE(log != nullptr);
  CHECK(log->warn);
  CHECK(count(out, kind::publish) >= 1);
}

TEST_CASE("a member that leaves is not heartbeated, and its restart is a join, not a heal") {
  with_member_b f;
  auto out = f.p.on_leave_notice("b");
  CHECK(f.p.state_of("b") == member_state::left);
  CHECK(count(out, kind::publish) == 1);
  CHECK(count(f.p.on_tick(f.t0 + 100ms, 0), kind::heartbeat) == 0);
  CHECK(count(f.p.on_tick(f.t0 + 5s, 0), kind::heartbeat) == 0); // never down either
  CHECK(f.p.counters().downs == 0);
  membership_protocol::actions rejoin;
  auto r = f.p.on_join_request(member("b", "10.0.0.2:4000"), f.t0 + 6s, 0, rejoin);
  REQUIRE(r.refusal.empty());
  CHECK(f.p.state_of("b") == member_state::suspect);
  CHECK(count(rejoin, kind::forget) == 1); // the old connection is the old process's
  CHECK(count(rejoin, kind::connect) == 1);
  membership_protocol::actions up;
  f.p.on_connected("b", up);
  f.p.on_join_answer("b", view_of("b", {member("b", "10.0.0.2:4000")}), f.t0 + 6100ms, 0);
  CHECK(f.p.state_of("b") == member_state::alive);
  CHECK(f.p.heals() == 0);
}

TEST_CASE("gossip of a member restarted on another port drops its old connection") {
  with_member_b f;
  membership_protocol::actions out;
  f.p.on_heartbeat_request(view_of("b", {member("b", "10.0.0.2:4001")}), heartbeat_sender{}, f.t0,
                           0, out);
  CHECK(count(out, kind::forget) == 1);
  CHECK(count(out, kind::connect) == 1);
  CHECK(f.p.routes().ids == std::vector<std::string>{"a"});
}

TEST_CASE("joins are refused for a taken id and for different settings") {
  with_member_b f;
  membership_protocol::actions out;
  CHECK_THAT(f.p.on_join_request(member("a", "10.0.0.9:4000"), f.t0, 0, out).refusal,
             Catch::Contains("already a live member"));
  CHECK_THAT(f.p.on_join_request(member("b", "10.0.0.9:4000"), f.t0, 0, out).refusal,
             Catch::Contains("already a live member (at 10.0.0.2:4000)"));
  auto other = member("c", "10.0.0.3:4000");
  other.signature = "redis 10.0.0.5:6379";
  CHECK_THAT(f.p.on_join_request(other, f.t0, 0, out).refusal, Catch::Contains("settings differ"));
  CHECK(out.empty());
  CHECK(f.p.counters().refused == 3);
  CHECK_FALSE(f.p.state_of("c").has_value());
  // The same id at the same address is a restart: taken back.
  CHECK(f.p.on_join_request(member("b", "10.0.0.2:4000"), f.t0, 0, out).refusal.empty());
}

TEST_CASE("heartbeats are refused from impostors and accepted from members and local actors") {
  with_member_b f;
  membership_protocol::actions out;
  auto v = view_of("b", {member("b", "10.0.0.2:4000")});
  heartbeat_sender anonymous{true, false, true};
  CHECK_THAT(f.p.on_heartbeat_request(v, anonymous, f.t0, 0, out).refusal,
             Catch::Contains("anonymous"));
  heartbeat_sender elsewhere{false, false, false};
  CHECK_THAT(f.p.on_heartbeat_request(v, elsewhere, f.t0, 0, out).refusal,
             Catch::Contains("from another node"));
  auto no_entry = view_of("b", {member("c", "10.0.0.3:4000")});
  CHECK_THAT(f.p.on_heartbeat_request(no_entry, heartbeat_sender{}, f.t0, 0, out).refusal,
             Catch::Contains("without its sender's own entry"));
  auto me = view_of("a", {member("a", "10.0.0.9:4000")});
  CHECK_THAT(f.p.on_heartbeat_request(me, heartbeat_sender{}, f.t0, 0, out).refusal,
             Catch::Contains("claims to be this one"));
  heartbeat_sender local{false, true, false};
  CHECK(f.p.on_heartbeat_request(me, local, f.t0, 0, out).refusal.empty());
  CHECK(f.p.on_heartbeat_request(v, heartbeat_sender{}, f.t0, 0, out).refusal.empty());
  // An unknown node is judged like a join.
  auto stranger = member("x", "10.0.0.7:4000");
  stranger.signature = "something else";
  CHECK_THAT(
    f.p.on_heartbeat_request(view_of("x", {stranger}), heartbeat_sender{}, f.t0, 0, out).refusal,
    Catch::Contains("settings differ"));
}

TEST_CASE("only a down or left member can be deleted, never this node") {
  with_member_b f;
  membership_protocol::actions out;
  bool removed = true;
  CHECK_THAT(f.p.on_delete("a", removed, out), Catch::Contains("SIGTERM"));
  CHECK_FALSE(removed);
  CHECK_THAT(f.p.on_delete("b", removed, out), Catch::Contains("is alive"));
  CHECK(f.p.on_delete("nobody", removed, out).empty());
  CHECK_FALSE(removed);
  f.p.on_connection_lost("b", f.t0);
  auto epoch = f.p.epoch();
  out.clear();
  CHECK(f.p.on_delete("b", removed, out).empty());
  CHECK(removed);
  CHECK(f.p.epoch() == epoch + 1);
  CHECK(count(out, kind::publish) == 1);
  CHECK_FALSE(f.p.state_of("b").has_value());
}

TEST_CASE("a node that leaves tells its connected members and stops owning keys") {
  with_member_b f;
  auto out = f.p.on_leave_self();
  auto l = find(out, kind::leave);
  REQUIRE(l != nullptr);
  CHECK(l->id == "b");
  CHECK(count(out, kind::publish) == 1);
  CHECK(f.p.routes().ids == std::vector<std::string>{"b"});
  CHECK(f.p.self_info(0).state == member_state::left);
}

TEST_CASE("the members list gives alive members their share of the keys") {
  with_member_b f;
  auto v = f.p.view(7, true);
  REQUIRE(v.members.size() == 2);
  CHECK(v.members[0].id == "a");
  CHECK(v.members[0].last_heartbeat_ms == 7);
  double total = 0;
  for (const auto& m : v.members) {
    CHECK(m.share > 0.3);
    total += m.share;
  }
  CHECK(total == Approx(1.0).margin(0.01));
}

TEST_CASE(
  "a member that leaves owns no keys but is named as draining until its connection closes") {
  with_member_b f;
  auto before = f.p.routes();
  CHECK(before.ids == std::vector<std::string>{"a", "b"});
  CHECK(before.draining.empty());
  f.p.on_leave_notice("b");
  auto leaving = f.p.routes();
  CHECK(leaving.ids == std::vector<std::string>{"a"});
  CHECK(leaving.draining == std::vector<std::string>{"b"}); // it finishes its flights: ask it
  // Its process exits: the connection closes, the routes change again (nobody left to ask),
  // and a member that left is not made down for it.
  auto out = f.p.on_connection_lost("b", f.t0 + 1s);
  CHECK(count(out, kind::publish) == 1);
  CHECK(f.p.state_of("b") == member_state::left);
  CHECK(f.p.routes().draining.empty());
  CHECK(f.p.counters().downs == 0);
}
