// A key fenced to its new owner on another node: when that node's coalescer goes down, the loads sent there are loaded here at once.
//
// The bug (seen once in CI under load): a node had fenced a key to the new owner's coalescer; the
// new owner was killed; a caller's retry reached this node before its routes dropped the dead
// member, so the load went to the dead node. CAF answers no request to a dead node's actor, so
// the load waited out the load timeout, longer than the caller's deadline. Two actor systems in
// one process stand for the two nodes (CAF remoting over loopback); the new owner is a stand-in
// that takes loads and never answers them.
#include <catch2/catch.hpp>

#include <atomic>
#include <memory>
#include <optional>
#include <vector>

#include "actors/coalescer.hpp"
#include "tests/support/node_fixture.hpp"

using namespace ac;
using namespace std::chrono_literals;

namespace {

using ask_atom = caf::atom_constant<caf::atom("ask")>;

/// The key's new owner: asks `previous` for a hand-off (which fences the key to it there), then
/// takes the loads sent to it and keeps them unanswered, as a node that is about to die.
struct new_owner_stand_in {
  std::shared_ptr<std::atomic<int>> loads = std::make_shared<std::atomic<int>>(0);
  std::shared_ptr<std::vector<caf::response_promise>> held =
    std::make_shared<std::vector<caf::response_promise>>();

  caf::behavior operator()(caf::event_based_actor* self) const {
    auto loads = this->loads;
    auto held = this->held;
    return {
      [=](ask_atom, const coalescer_actor& previous, const std::string& key) {
        self->request(previous, 5s, handoff_atom::value, key, true)
          .then([](const lookup_result&) {}, [](caf::error&) {});
      },
      [=](load_atom, const std::string&, uint64_t) {
        held->push_back(self->make_response_promise());
        ++*loads;
      },
    };
  }
};

caf::behavior accepting_shard() {
  return {
    [](fill_atom, const std::string&, const std::string&, uint32_t, uint64_t) { return true; }};
}

caf::behavior counting_loader(std::shared_ptr<std::atomic<int>> computes) {
  return {[=](compute_atom, const std::string& key) {
    ++*computes;
    return make_hit(test::node_fixture::entry_of("value of " + key), tier::compute);
  }};
}

/// Node "a" (the previous owner: a coalescer, its shard and loader) and node "b" (the new
/// owner's stand-in), each in its own actor system, each seeing the other through CAF remoting.
struct two_systems {
  node_config cfg_a = test::make_config([](node_config&) {});
  node_config cfg_b = test::make_config([](node_config&) {});
  caf::actor_system sys_a{cfg_a};
  caf::actor_system sys_b{cfg_b};
  caf::scoped_actor self_a{sys_a};
  caf::scoped_actor self_b{sys_b};
  std::shared_ptr<std::atomic<int>> computes = std::make_shared<std::atomic<int>>(0);
  caf::actor shard = sys_a.spawn(accepting_shard);
  caf::actor loader = sys_a.spawn(counting_loader, computes);
  std::shared_ptr<route_view> routes = std::make_shared<route_view>();
  coalescer_actor coalescer_a;
  new_owner_stand_in stand_in;
  caf::actor owner_b = sys_b.spawn(stand_in);
  front_actor b_front;

  two_systems() {
    coalescer_config cc;
    cc.shard = caf::actor_cast<shard_actor>(shard);
    cc.compute = caf::actor_cast<compute_actor>(loader);
    cc.load_timeout = 60s; // far beyond the callers' deadline: only the down may end the wait
    cc.routes = routes;
    coalescer_a = sys_a.spawn(coalescer, cc);
    // Node a sees b as an alive member: its "front" is the stand-in, as a's proxy of it.
    auto port_b = sys_b.middleman().publish(owner_b, 0, "127.0.0.1");
    REQUIRE(port_b);
    auto b_at_a = sys_a.middleman().remote_actor("127.0.0.1", *port_b);
    REQUIRE(b_at_a);
    b_front = caf::actor_cast<front_actor>(*b_at_a);
    set_members({"a", "b"});
  }

  /// Node a's routes name these members (b's front is the stand-in, as a sees it).
  void set_members(std::vector<std::string> ids) {
    auto snap = std::make_shared<route_snapshot>();
    snap->self = "a";
    snap->ids = std::move(ids);
    for (auto& id : snap->ids)
      snap->fronts.push_back(id == "b" ? b_front : front_actor{});
    snap->ring.set_members(snap->ids);
    routes->set(std::move(snap));
  }

  /// b asks a for the hand-off of `key` through a's published coalescer: a fences it to b.
  bool fence_to_b(const std::string& key) {
    auto port_a = sys_a.middleman().publish(coalescer_a, 0, "127.0.0.1");
    if (!port_a)
      return false;
    auto a_at_b = sys_b.middleman().remote_actor<coalescer_actor>("127.0.0.1", *port_a);
    if (!a_at_b)
      return false;
    self_b->send(owner_b, ask_atom::value, *a_at_b, key);
    return test::wait_until([&] { return test::stats_counter(self_a, coalescer_a, "fenced") == 1; },
                            5s);
  }

  ~two_systems() {
    stand_in.held->clear();
    self_b->send_exit(owner_b, caf::exit_reason::kill);
    for (auto& a : {caf::actor_cast<caf::actor>(coalescer_a), shard, loader})
      self_a->send_exit(a, caf::exit_reason::kill);
  }
};

/// Node a loads a key fenced to b; b takes the load and never answers; then `b_goes` (b's
/// coalescer dies, or the cluster declares b down). a must load the key itself: once, in time.
template <class BGoes>
void fenced_load_outlives_b(BGoes b_goes) {
  two_systems nodes;
  REQUIRE(nodes.fence_to_b("tensor:1"));
  auto& self = nodes.self_a;
  caf::scoped_actor probe{nodes.sys_a}; // reads counters while `self` waits for its answer
  auto t0 = std::chrono::steady_clock::now();
  auto pending =
    self->request(nodes.coalescer_a, 10s, load_atom::value, std::string{"tensor:1"}, uint64_t{0});
  // The load went to b, which holds it: nothing answers it from there.
  REQUIRE(test::wait_until([&] { return nodes.stand_in.loads->load() == 1; }, 5s));
  CHECK(test::stats_counter(probe, nodes.coalescer_a, "fenced_loads") == 1);
  b_goes(nodes);
  std::optional<lookup_result> answer;
  pending.receive([&](lookup_result& r) { answer = std::move(r); },
                  [&](caf::error& err) { FAIL("load: " << caf::to_string(err)); });
  REQUIRE(answer);
  REQUIRE(answer->found);
  CHECK(test::node_fixture::value_of(*answer) == "value of tensor:1");
  CHECK(std::chrono::steady_clock::now() - t0 < 5s);
  CHECK(nodes.computes->load() == 1);
  // The fence ended with its target: the next load of the key stays here (and computes again:
  // the stand-in shard keeps no value).
  auto again =
    probe->request(nodes.coalescer_a, 5s, load_atom::value, std::string{"tensor:1"}, uint64_t{0});
  again.receive([](lookup_result&) {},
                [&](caf::error& err) { FAIL("load: " << caf::to_string(err)); });
  CHECK(test::stats_counter(probe, nodes.coalescer_a, "fenced_loads") == 1);
  CHECK(nodes.stand_in.loads->load() == 1);
}

} // namespace

TEST_CASE(
  "A load fenced to a new owner whose coalescer then goes down is loaded here, once, "
  "long before the load timeout") {
  // b's coalescer dies with the load unanswered (its node's link carries the down to a).
  fenced_load_outlives_b(
    [](two_systems& nodes) { nodes.self_b->send_exit(nodes.owner_b, caf::exit_reason::kill); });
}

TEST_CASE(
  "A load fenced to a new owner that the cluster then declares down, its link still "
  "standing, is loaded here within a sweep") {
  // b froze or was cut off: no down message, only the membership's verdict in a's routes.
  fenced_load_outlives_b([](two_systems& nodes) { nodes.set_members({"a"}); });
}
