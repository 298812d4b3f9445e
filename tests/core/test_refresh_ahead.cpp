// Tests for refresh-ahead bookkeeping: when a hit starts a refresh, once per lifetime, granted TTLs of hot keys, bounds.
#include <catch2/catch.hpp>

#include "core/refresh_ahead.hpp"

using namespace ac;
using namespace std::chrono_literals;

namespace {

refresh_ahead make(std::chrono::milliseconds default_ttl = 300s, size_t capacity = 256) {
  refresh_ahead_options o;
  o.default_ttl = default_ttl;
  o.capacity = capacity;
  return refresh_ahead{o};
}

const refresh_ahead::time_point t0{};

} // namespace

TEST_CASE("a hot key read past the share of its TTL starts one refresh") {
  auto r = make(); // default 300 s: at 0.8 due with 60 s or less left
  CHECK_FALSE(r.start("k", 61'000, true, 0.8, t0));
  CHECK(r.start("k", 60'000, true, 0.8, t0));
  CHECK(r.in_flight() == 1);
}

TEST_CASE("refresh-ahead off (fraction 0) never starts a refresh") {
  auto r = make();
  CHECK_FALSE(r.may_be_due(1, 0.0));
  CHECK_FALSE(r.start("k", 1, true, 0.0, t0));
  CHECK(r.in_flight() == 0);
}

TEST_CASE("a cold key is never refreshed ahead, however little TTL it has left") {
  auto r = make();
  CHECK_FALSE(r.start("k", 1, false, 0.8, t0));
  CHECK(r.in_flight() == 0);
}

TEST_CASE("a key that never expires is never due") {
  auto r = make();
  CHECK_FALSE(r.may_be_due(0, 0.8));
  CHECK_FALSE(r.start("k", 0, true, 0.8, t0));
}

TEST_CASE("every later hit of the same lifetime starts nothing, running or failed") {
  auto r = make();
  REQUIRE(r.start("k", 50'000, true, 0.8, t0));
  CHECK_FALSE(r.start("k", 40'000, true, 0.8, t0 + 10s));
  // The refresh failed (no fill came): not retried by the hits of this lifetime either.
  CHECK_FALSE(r.start("k", 1, true, 0.8, t0 + 49'999ms));
  CHECK(r.in_flight() == 1);
}

TEST_CASE("a fill starts a new lifetime that may be refreshed once again") {
  auto r = make();
  REQUIRE(r.start("k", 50'000, true, 0.8, t0));
  r.filled("k", 300s, true);
  CHECK(r.in_flight() == 0);
  CHECK_FALSE(r.start("k", 299'000, true, 0.8, t0 + 1s)); // fresh again
  CHECK(r.start("k", 59'000, true, 0.8, t0 + 241s));
}

TEST_CASE("a mark ends with the lifetime it belongs to: the key's next lifetime can be refreshed") {
  auto r = make();
  REQUIRE(r.start("k", 10'000, true, 0.8, t0));
  // The entry expired (and was loaded again by a miss whose fill this unit did not see).
  CHECK(r.start("k", 30'000, true, 0.8, t0 + 10s));
}

TEST_CASE("the TTL granted at a hot key's last fill decides, not the default") {
  auto r = make(300s);
  r.filled("long", 600s, true);
  r.filled("short", 10s, true);
  CHECK(r.granted("long") == 600s);
  CHECK(r.granted("short") == 10s);
  // 100 s left of 600: due at 0.8 (the default's 300 would say 60 s).
  CHECK(r.start("long", 100'000, true, 0.8, t0));
  // 5 s left of 10: not due (the default's 300 would say due).
  CHECK_FALSE(r.start("short", 5'000, true, 0.8, t0));
  CHECK(r.start("short", 2'000, true, 0.8, t0));
}

TEST_CASE("an unknown key falls back to the default TTL, or to what is left when that is longer") {
  auto r = make(300s);
  CHECK(r.granted("never-filled") == 300s);
  // Put with a TTL longer than the default, fill unseen: 400 s left is no sign of being late.
  CHECK_FALSE(r.start("big", 400'000, true, 0.8, t0));
}

TEST_CASE("a fill of a key that is not hot forgets its granted TTL; ttl 0 means the default") {
  auto r = make(300s);
  r.filled("k", 10s, true);
  REQUIRE(r.remembered() == 1);
  r.filled("k", 10s, false);
  CHECK(r.remembered() == 0);
  CHECK(r.granted("k") == 300s);
  r.filled("d", 0s, true);
  CHECK(r.granted("d") == 300s);
}

TEST_CASE("forget drops a key's mark and granted TTL") {
  auto r = make();
  r.filled("k", 10s, true);
  REQUIRE(r.start("k", 1'000, true, 0.8, t0));
  r.forget("k");
  CHECK(r.in_flight() == 0);
  CHECK(r.remembered() == 0);
}

TEST_CASE("granted TTLs stay within capacity") {
  auto r = make(300s, 2);
  r.filled("a", 10s, true);
  r.filled("b", 20s, true);
  r.filled("c", 30s, true);
  CHECK(r.remembered() == 2);
  CHECK(r.granted("c") == 30s);
  r.filled("c", 40s, true); // a known key updates in place
  CHECK(r.remembered() == 2);
  CHECK(r.granted("c") == 40s);
}

TEST_CASE("refreshes in flight stay within capacity; ended lifetimes free their places") {
  auto r = make(300s, 2);
  REQUIRE(r.start("a", 1'000, true, 0.8, t0));
  REQUIRE(r.start("b", 2'000, true, 0.8, t0));
  CHECK_FALSE(r.start("c", 1'000, true, 0.8, t0));
  CHECK(r.refused() == 1);
  // a's lifetime ended at t0 + 1 s: its place is free again.
  CHECK(r.start("c", 1'000, true, 0.8, t0 + 1s));
  CHECK(r.in_flight() == 2);
}

TEST_CASE("clear forgets everything but keeps the options") {
  auto r = make(300s);
  r.filled("long", 600s, true);
  REQUIRE(r.start("x", 1'000, true, 0.8, t0));
  r.clear();
  CHECK(r.in_flight() == 0);
  CHECK(r.remembered() == 0);
  CHECK(r.granted("long") == 300s);
  CHECK_FALSE(r.may_be_due(100'000, 0.8)); // the 600 s bound went with it
  CHECK(r.start("x", 1'000, true, 0.8, t0));
}

TEST_CASE("the cheap test never turns away a hit that the full decision would refresh") {
  for (double f : {0.1, 0.5, 0.8, 0.95}) {
    auto r = make(10s);
    r.filled("g", 60s, true);
    for (int64_t left = 1; left <= 70'000; left += 997) {
      for (const char* key : {"g", "unknown"}) {
        auto probe = r; // start() marks: decide on a copy
        if (probe.start(key, left, true, f, t0))
          CHECK(r.may_be_due(left, f));
      }
    }
  }
}
