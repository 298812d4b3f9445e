// Two nodes in one process (two actor systems talking over BASP on loopback): routing and hot keys.
#include <catch2/catch.hpp>

#include <future>

#include "core/key_normalization.hpp"
#include "core/rendezvous_ring.hpp"
#include "node/publish.hpp"
#include "tests/support/child_process.hpp"
#include "tests/support/node_fixture.hpp"
#include "tests/support/ring_keys.hpp"

using namespace ac;
using namespace std::chrono_literals;

namespace {

/// A published node in its own actor system.
struct published {
  template <class Configure>
  explicit published(Configure configure) : cfg(test::make_config(configure)), sys(cfg), self(sys) {
    auto r = start_published_node(sys, cfg);
    REQUIRE(r);
    node = std::move(*r);
  }
  ~published() { node.handles.stop(); }
  node_config cfg;
  caf::actor_system sys;
  caf::scoped_actor self;
  published_node node;
};

/// What the node's front answers `atom` (a default T when it does not answer in time).
template <class T, class Atom>
T ask(published& p, Atom atom) {
  T out;
  p.self->request(p.node.handles.front, 5s, atom)
    .receive([&](T& x) { out = std::move(x); }, [](caf::error&) {});
  return out;
}

membership_view members(published& p) { return ask<membership_view>(p, members_atom::value); }

size_t alive(const membership_view& v) {
  return static_cast<size_t>(
    std::count_if(v.members.begin(), v.members.end(),
                  [](const member_info& m) { return m.state == member_state::alive; }));
}

/// The first "hot-<i>" key that node "a" owns in the two-node ring {a, b}.
std::string key_owned_by_a() { return test::key_owned_by("a", {"a", "b"}, "hot-"); }

/// Puts `value` at `key` through the node's front; true once it is stored.
bool put(published& p, const std::string& key, const std::string& value) {
  bool stored = false;
  p.self
    ->request(p.node.handles.front, 5s, put_atom::value, key, test::node_fixture::entry_of(value),
              uint32_t{0})
    .receive([&](uint8_t s) { stored = put_status_of(s) == put_status::stored; },
             [](caf::error&) {});
  return stored;
}

/// Gets `key` through the node's front; an error fails the test.
lookup_result get(published& p, const std::string& key) {
  lookup_result r;
  p.self->request(p.node.handles.front, 5s, get_atom::value, key)
    .receive([&](lookup_result& x) { r = std::move(x); },
             [](caf::error& e) { FAIL(caf::to_string(e)); });
  return r;
}

node_report report_of(published& p) { return ask<node_report>(p, report_atom::value); }

front_stats front_row(published& p) { return test::first_stats<front_stats>(report_of(p)); }

/// Node "a" (the seed) and node "b" joining through it, both converged to two alive members.
struct two_nodes {
  explicit two_nodes(std::chrono::milliseconds hot_ttl = 1s)
    : port_a(test::free_port()), a{[&](node_config& c) {
        c.node_id = "a";
        c.node_port = port_a;
        c.cluster_heartbeat_interval = 100ms;
      }},
      b{[&](node_config& c) {
        c.node_id = "b";
        c.node_port = test::free_port();
        c.cluster_seeds = {"127.0.0.1:" + std::to_string(port_a)};
        c.cluster_heartbeat_interval = 100ms;
        c.cluster_hot_ttl = hot_ttl;
      }} {
    REQUIRE(converged());
  }

  bool converged() {
    return test::wait_until([&] { return alive(members(a)) == 2 && alive(members(b)) == 2; }, 10s);
  }

  uint16_t port_a;
  published a;
  published b;
};

} // namespace

TEST_CASE("two nodes converge, agree on owners, and serve each other's keys", "[cluster]") {
  two_nodes cluster;
  // Each key is owned by exactly one of them; a put through either is read through both.
  rendezvous_ring ring;
  ring.set_members({"a", "b"});
  int owned_by_a = 0;
  for (int i = 0; i < 40; ++i) {
    auto key = "shared-" + std::to_string(i);
    owned_by_a += *ring.owner_of(key_hash(key)) == "a";
    REQUIRE(put((i % 2 == 0) ? cluster.a : cluster.b, key, "v" + std::to_string(i)));
  }
  CHECK(owned_by_a > 5);
  CHECK(owned_by_a < 35);
  for (auto* p : {&cluster.a, &cluster.b})
    for (int i = 0; i < 40; ++i) {
      auto r = get(*p, "shared-" + std::to_string(i));
      REQUIRE(r.found);
      CHECK(test::node_fixture::value_of(r) == "v" + std::to_string(i));
    }
  CHECK(front_row(cluster.a).forwarded > 0);
  CHECK(front_row(cluster.b).forwarded > 0);
}

TEST_CASE("a key the owner reports hot is served from a near copy on the other node",
          "[cluster][hot]") {
  two_nodes cluster{10s};
  auto key = key_owned_by_a();
  REQUIRE(put(cluster.a, key, "storm"));
  // Hammer it through b: after enough reads the owner marks it hot, b keeps a near copy.
  for (int i = 0; i < 400; ++i)
    REQUIRE(test::node_fixture::value_of(get(cluster.b, key)) == "storm");
  auto row = front_row(cluster.b);
  CHECK(row.near_hits > 100);
  CHECK(row.forwarded < 300);
}

TEST_CASE(
  "A put or a delete at the owner drops the other node's near copy at once, long before cluster.hot-ttl",
  "[cluster][hot]") {
  two_nodes cluster{60s};
  auto key = key_owned_by_a();
  auto read_at_b = [&] {
    auto r = get(cluster.b, key);
    return r.found ? test::node_fixture::value_of(r) : std::string{"<miss>"};
  };
  // Reads through b until b serves the key from a near copy.
  auto warm_near_copy = [&](const std::string& expected) {
    auto before = front_row(cluster.b).near_hits;
    for (int i = 0; i < 400; ++i)
      REQUIRE(read_at_b() == expected);
    return front_row(cluster.b).near_hits > before + 100;
  };
  REQUIRE(put(cluster.a, key, "v1"));
  REQUIRE(warm_near_copy("v1"));
  // The near copy would live 60 s; the owner's invalidation ends it now.
  REQUIRE(put(cluster.a, key, "v2"));
  CHECK(test::wait_until([&] { return read_at_b() == "v2"; }, 2s));
  REQUIRE(warm_near_copy("v2"));
  bool erased = false;
  cluster.a.self->request(cluster.a.node.handles.front, 5s, delete_atom::value, key)
    .receive([&](bool ok) { erased = ok; }, [](caf::error&) {});
  REQUIRE(erased);
  CHECK(test::wait_until([&] { return read_at_b() == "<miss>"; }, 2s));
  CHECK(front_row(cluster.b).near_invalidated >= 2);
}

TEST_CASE("a lease asked of a non-owner with an older view is granted by the owner's keeper alone",
          "[cluster][leases]") {
  two_nodes cluster;
  auto key = key_owned_by_a();
  auto epoch_a = static_cast<uint64_t>(front_row(cluster.a).epoch);
  REQUIRE(epoch_a > 0);
  // A client whose table is older than the cluster (epoch 0) sends it to b, which owns nothing
  // of it now: b passes it on to a, and the client holds a's lease.
  caf::scoped_actor stale{cluster.b.sys};
  lease_reply first;
  stale
    ->request(cluster.b.node.handles.front, 5s, route_atom::value, lease_atom::value,
              get_atom::value, key, uint32_t{5000}, uint64_t{0})
    .receive([&](lease_reply& r) { first = std::move(r); },
             [](caf::error& e) { FAIL(caf::to_string(e)); });
  REQUIRE(first.leased);
  // A caller routed to the owner with the current view waits for that lease, not a second one.
  auto second = std::async(std::launch::async, [&] {
    caf::scoped_actor caller{cluster.a.sys};
    lease_reply r;
    caller
      ->request(cluster.a.node.handles.front, 10s, route_atom::value, lease_atom::value,
                get_atom::value, key, uint32_t{5000}, epoch_a)
      .receive([&](lease_reply& x) { r = std::move(x); },
               [&](caf::error& e) { r.token = "error: " + caf::to_string(e); });
    return r;
  });
  REQUIRE(test::wait_until(
    [&] { return test::first_stats<lease_stats>(report_of(cluster.a)).waiting == 1; }, 5s));
  bool filled = false;
  stale
    ->request(cluster.b.node.handles.front, 5s, route_atom::value, lease_atom::value,
              put_atom::value, key, first.token, test::node_fixture::entry_of("computed once"),
              uint32_t{60}, uint64_t{0})
    .receive([&](bool ok) { filled = ok; }, [](caf::error& e) { FAIL(caf::to_string(e)); });
  CHECK(filled);
  auto r = second.get();
  CHECK_FALSE(r.leased);
  CHECK(r.token.empty());
  lookup_result value;
  value.value = r.entry;
  CHECK(test::node_fixture::value_of(value) == "computed once");
}
