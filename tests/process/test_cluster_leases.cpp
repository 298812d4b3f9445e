// Process tests of leases across a cluster: a lease whose key moves, a waiter whose owner dies.
#include <catch2/catch.hpp>

#include "tests/support/cluster_fixture.hpp"

using namespace ac::test::cluster_tests;

// Long on purpose: one scenario (a lease, a join that moves its key, callers on both nodes, the
// fill), each step depending on the one before.
TEST_CASE(
  "a lease held when its key moves to a joining node stays the only lease; the holder's fill "
  "answers the callers waiting on either node",
  "[cluster][process][lease]") {
  REQUIRE_BUILT();
  cluster c({});
  REQUIRE(logged(start_a(c), c));
  auto key = key_owned_by("b", {"a", "b"}, "moving-"); // b takes it from a when it joins
  using ac::test::resp_client;
  auto text = reply_text;
  std::string token;
  auto held = lease_holder(c.a(), key, token);
  REQUIRE(held);
  auto& holder = *held;
  REQUIRE(logged(add_b(c), c));
  auto& b = c.b();
  auto owner_is_b = [&](node_process& n) {
    auto o =
      ac::test::run_tool({"redis-cli", "-p", std::to_string(n.resp_port()), "AC.OWNER", key}, 5s);
    return o.out == "127.0.0.1:" + std::to_string(b.resp_port()) + "\n";
  };
  REQUIRE(wait_until([&] { return owner_is_b(c.a()) && owner_is_b(b); }, 10s, poll_interval));
  // Callers on b and on a: b asks a, which holds the lease, so both wait there; neither gets a
  // second lease (before, b granted one: two computes, and the holder's fill was refused).
  resp_client on_b{b.resp_port(), 30s}, on_a{c.a().resp_port(), 30s};
  on_b.append({"AC.GETORLEASE", key, "20000"});
  on_a.append({"AC.GETORLEASE", key, "20000"});
  REQUIRE(on_b.flush());
  REQUIRE(on_a.flush());
  REQUIRE(logged(wait_until([&] { return actor_counter(c.a(), "lease_keeper", "waiting") == 2; },
                            10s, poll_interval),
                 c));
  CHECK(actor_counter(b, "lease_keeper", "handoff_asks") >= 1);
  SECTION("the holder fills: every caller gets its value, stored at the new owner") {
    // The holder fills through a, which sends AC.FILL to the owner b; b's keeper finds the
    // token is a's and sends it on there.
    auto filled = holder.run({"AC.FILL", key, token, "computed once"});
    CHECK(text(filled.get()) == "OK");
    for (auto* waiter : {&on_b, &on_a}) {
      auto r = waiter->next();
      REQUIRE(r);
      REQUIRE(r->elements == 2);
      CHECK(text(r->element[0]) == "value");
      CHECK(text(r->element[1]) == "computed once");
    }
    auto got =
      ac::test::run_tool({"redis-cli", "-p", std::to_string(b.resp_port()), "GET", key}, 5s);
    CHECK(got.out == "computed once\n");
    CHECK(actor_counter(c.a(), "lease_keeper", "granted")
            + actor_counter(b, "lease_keeper", "granted")
          == 1);
  }
  SECTION("the previous owner dies with the lease: the caller on b gets a lease at once") {
    auto killed = std::chrono::steady_clock::now();
    c.a().kill();
    auto r = on_b.next();
    REQUIRE(r);
    REQUIRE(r->elements == 2);
    CHECK(text(r->element[0]) == "lease");
    CHECK(std::chrono::steady_clock::now() - killed < 5s); // not after the ask's 65 s
  }
}

TEST_CASE(
  "a caller waiting for a lease at the key's owner hears at once when that owner dies, and asking "
  "again gets the lease from the new owner",
  "[cluster][process][lease]") {
  REQUIRE_BUILT();
  cluster c({});
  REQUIRE(logged(start_a(c), c));
  REQUIRE(logged(add_b(c), c));
  auto& b = c.b();
  auto key = key_owned_by("b", {"a", "b"}, "doomed-");
  using ac::test::resp_client;
  auto text = reply_text;
  std::string token;
  auto holder = lease_holder(b, key, token);
  REQUIRE(holder);
  resp_client waiter{c.a().resp_port(), 30s};
  waiter.append({"AC.GETORLEASE", key, "20000"}); // routed to b; may wait there up to 60 s
  REQUIRE(waiter.flush());
  REQUIRE(logged(wait_until([&] { return actor_counter(b, "lease_keeper", "waiting") == 1; }, 10s,
                            poll_interval),
                 c));
  auto killed = std::chrono::steady_clock::now();
  b.kill();
  auto told = waiter.next();
  REQUIRE(told);
  CHECK(text(told.get()).rfind("UNAVAILABLE", 0) == 0);
  CHECK(std::chrono::steady_clock::now() - killed < 5s);
  // Once a has declared b down, a owns the key: asking again there gets a lease.
  REQUIRE(wait_until(
    [&] {
      auto o = ac::test::run_tool(
        {"redis-cli", "-p", std::to_string(c.a().resp_port()), "AC.OWNER", key}, 5s);
      return o.out == "127.0.0.1:" + std::to_string(c.a().resp_port()) + "\n";
    },
    15s, poll_interval));
  // (b had asked a for the key when it joined, and a had fenced it to b: that fence ends with b.)
  auto again = waiter.run({"AC.GETORLEASE", key, "20000"});
  REQUIRE(again);
  REQUIRE(again->elements == 2);
  CHECK(text(again->element[0]) == "lease");
}
