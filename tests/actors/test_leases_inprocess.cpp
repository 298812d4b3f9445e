// Leases between RESP connections of an in-process node: one grant, waiters, fills, hand-overs.
#include <catch2/catch.hpp>

#include "tests/support/resp_fixture.hpp"

using namespace ac;
using namespace ac::test;

TEST_CASE("A lease goes to the first caller; a second waits and gets the filled value", "[lease]") {
  resp_fixture f;
  conn holder{f.port}, waiter{f.port};
  auto first = holder.run({"AC.GETORLEASE", "feat", "10000"});
  REQUIRE(first->elements == 2);
  CHECK(std::string(first->element[0]->str) == "lease");
  std::string token = first->element[1]->str;
  waiter.append({"AC.GETORLEASE", "feat", "10000"});
  REQUIRE(waiter.flush()); // the request leaves now; its reply comes after the fill
  CHECK(f.eventually([&] { return lease_counts(f).waiting == 1; }));
  CHECK(str(holder.run({"AC.FILL", "feat", "not-the-token", "x"})).rfind("STALELEASE", 0) == 0);
  CHECK(str(holder.run({"AC.FILL", "feat", token, "computed", "EX", "60"})) == "OK");
  check_lease_value(waiter.next(), "", {}, "computed");
  // The value is stored like a put: a plain GET sees it, a new caller gets it, no new lease.
  CHECK(str(waiter.run({"GET", "feat"})) == "computed");
  check_lease_value(waiter.run({"AC.GETORLEASE", "feat", "10000"}), "", {}, "computed");
}

TEST_CASE("An EXISTS and a GET pipelined right behind AC.FILL see the filled value", "[lease]") {
  resp_fixture f;
  conn c{f.port};
  for (int i = 0; i < 100; ++i) {
    auto key = "piped" + std::to_string(i), value = "v" + std::to_string(i);
    auto lease = c.run({"AC.GETORLEASE", key, "10000"});
    REQUIRE(lease);
    REQUIRE(std::string(lease->element[0]->str) == "lease");
    // The fill reaches the shard through the lease keeper, the GET straight from the session:
    // the GET once got there first and answered nil.
    c.append({"AC.FILL", key, lease->element[1]->str, value});
    c.append({"EXISTS", key}); // reads L1 only, and waits for the fill too
    c.append({"GET", key});
    CHECK(str(c.next()) == "OK");
    auto exists = c.next();
    REQUIRE(exists);
    CHECK(exists->integer == 1);
    CHECK(str(c.next()) == value);
  }
}

TEST_CASE("A holder whose connection closes hands its lease to exactly one waiter", "[lease]") {
  resp_fixture f;
  auto holder = std::make_unique<conn>(f.port);
  conn w1{f.port}, w2{f.port};
  auto first = holder->run({"AC.GETORLEASE", "k", "30000"});
  REQUIRE(std::string(first->element[0]->str) == "lease");
  std::string old_token = first->element[1]->str;
  auto waiting_is = [&](int64_t n) {
    return f.eventually([&] { return lease_counts(f).waiting == n; });
  };
  // One after the other, so w1 is first in line (two connections' requests race otherwise).
  w1.append({"AC.GETORLEASE", "k", "30000"});
  REQUIRE(w1.flush());
  REQUIRE(waiting_is(1));
  w2.append({"AC.GETORLEASE", "k", "30000"});
  REQUIRE(w2.flush());
  REQUIRE(waiting_is(2));
  holder.reset(); // the holder's process dies: its connection closes
  auto r1 = w1.next();
  REQUIRE(r1);
  CHECK(std::string(r1->element[0]->str) == "lease");
  std::string token = r1->element[1]->str;
  CHECK(token != old_token);
  CHECK(str(w1.run({"AC.FILL", "k", old_token, "stale"})).rfind("STALELEASE", 0) == 0);
  CHECK(str(w1.run({"AC.FILL", "k", token, "fresh"})) == "OK");
  check_lease_value(w2.next(), "", {}, "fresh");
}

TEST_CASE("Abandoning a lease passes it on; a lease that runs out passes on too", "[lease]") {
  resp_fixture f;
  conn a{f.port}, b{f.port};
  auto first = a.run({"AC.GETORLEASE", "x", "200"});
  REQUIRE(std::string(first->element[0]->str) == "lease");
  b.append({"AC.GETORLEASE", "x", "200"});
  REQUIRE(b.flush());
  // Nobody abandons or fills: after 200 ms the lease is b's.
  auto inherited = b.next();
  REQUIRE(inherited);
  CHECK(std::string(inherited->element[0]->str) == "lease");
  std::string token = inherited->element[1]->str;
  CHECK(str(a.run({"AC.FILL", "x", first->element[1]->str, "late"})).rfind("STALELEASE", 0) == 0);
  CHECK(str(b.run({"AC.ABANDON", "x", token})) == "OK");
  auto fresh = a.run({"AC.GETORLEASE", "x", "200"});
  CHECK(std::string(fresh->element[0]->str) == "lease");
  CHECK(a.run({"GET", "x"})->type == REDIS_REPLY_NIL);
}

TEST_CASE("A filled value that was deleted or overwritten since is never answered from the fill",
          "[lease]") {
  resp_fixture f;
  conn a{f.port}, b{f.port};
  auto first = a.run({"AC.GETORLEASE", "gone", "10000"});
  REQUIRE(std::string(first->element[0]->str) == "lease");
  CHECK(str(a.run({"AC.FILL", "gone", first->element[1]->str, "old"})) == "OK");
  CHECK(b.run({"DEL", "gone"})->integer == 1);
  auto after_delete = b.run({"AC.GETORLEASE", "gone", "10000"});
  REQUIRE(after_delete->elements == 2);
  CHECK(std::string(after_delete->element[0]->str) == "lease"); // computed again, not "old"
  CHECK(str(b.run({"AC.FILL", "gone", after_delete->element[1]->str, "second"})) == "OK");
  CHECK(str(a.run({"SET", "gone", "newest"})) == "OK");
  check_lease_value(a.run({"AC.GETORLEASE", "gone", "10000"}), "", {}, "newest");
}

TEST_CASE("A caller whose wait ran out is told so and is never handed the lease later", "[lease]") {
  resp_fixture f;
  conn holder{f.port}, impatient{f.port}, patient{f.port};
  auto first = holder.run({"AC.GETORLEASE", "slow", "30000"});
  REQUIRE(std::string(first->element[0]->str) == "lease");
  // It may wait 3 x 100 ms: the keeper answers it when that ran out and drops it from the line.
  auto gave_up = impatient.run({"AC.GETORLEASE", "slow", "100"});
  REQUIRE(gave_up);
  CHECK(str(gave_up).rfind("UNAVAILABLE", 0) == 0);
  patient.append({"AC.GETORLEASE", "slow", "30000"});
  REQUIRE(patient.flush());
  CHECK(f.eventually([&] { return lease_counts(f).waiting == 1 && lease_counts(f).gave_up == 1; }));
  CHECK(str(holder.run({"AC.ABANDON", "slow", first->element[1]->str})) == "OK");
  auto next = patient.next(); // the lease goes to the caller still waiting, at once
  REQUIRE(next);
  CHECK(std::string(next->element[0]->str) == "lease");
}

TEST_CASE("A lease waiter waits as long as its lease-ms allows, beyond the request timeout",
          "[resp][lease]") {
  short_timeout_edge edge;
  conn holder{edge.port}, waiter{edge.port};
  auto first = holder.run({"AC.GETORLEASE", "long", "3000"}); // held 3 s: the fill is in time
  REQUIRE(first);
  REQUIRE(first->elements == 2);
  std::string token = first->element[1]->str;
  waiter.append({"AC.GETORLEASE", "long", "3000"}); // may wait 3 x 3000 ms
  REQUIRE(waiter.flush());
  auto asked = std::chrono::steady_clock::now();
  REQUIRE(wait_until([&] { return lease_counts(edge.f).waiting == 1; }, std::chrono::seconds(2)));
  // The holder fills once the first slot sweep (1 s after the request) has passed: a slot due at
  // the 300 ms request timeout would have been answered with the timeout by then.
  wait_until(
    [&] { return std::chrono::steady_clock::now() - asked >= std::chrono::milliseconds(1500); },
    std::chrono::seconds(3));
  CHECK(str(holder.run({"AC.FILL", "long", token, "filled", "EX", "60"})) == "OK");
  check_lease_value(waiter.next(), "", {}, "filled");
}
