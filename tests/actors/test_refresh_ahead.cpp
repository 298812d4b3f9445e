// In-process tests of refresh-ahead on the shard's message path (get, get_many): a hot key read under load never expires.
#include <catch2/catch.hpp>

#include <algorithm>

#include "tests/support/node_fixture.hpp"

using namespace ac;
using ac::test::first_stats;
using ac::test::node_fixture;
using ac::test::total;
using namespace std::chrono_literals;

namespace {

/// A node whose values cost 200 ms to compute and live 2 s; one shard, so every read of the
/// key counts towards its hotness in the same sketch.
auto slow_short_lived(double fraction) {
  return [fraction](node_config& c) {
    c.loader_kind = "synthetic";
    c.loader_cost = 200ms;
    c.cache_default_ttl = 2s;
    c.cache_shards = 1;
    c.cache_refresh_ahead = fraction;
  };
}

/// Reads `read` (one lookup; true when it was answered with a value) every 10 ms for `span`:
/// that is ~100 reads a second, enough for the key to count as hot (shard hot_threshold).
/// Returns the slowest read.
template <class Read>
std::chrono::milliseconds read_steadily(std::chrono::milliseconds span, Read read) {
  std::chrono::milliseconds slowest{0};
  auto end = std::chrono::steady_clock::now() + span;
  auto next = std::chrono::steady_clock::now();
  while (next < end) {
    auto start = std::chrono::steady_clock::now();
    REQUIRE(read());
    slowest = std::max(slowest, std::chrono::duration_cast<std::chrono::milliseconds>(
                                  std::chrono::steady_clock::now() - start));
    next += 10ms;
    std::this_thread::sleep_until(next); // pacing of the load, not a wait for a condition
  }
  return slowest;
}

} // namespace

TEST_CASE(
  "a hot key read through the shard is refreshed before it expires, and no read waits for it",
  "[refresh-ahead]") {
  node_fixture f{slow_short_lived(0.8)};
  REQUIRE(f.get("hot").size() == 100); // the one miss: computed, 2 s to live
  // Past two lifetimes of the first value: without a refresh it would have expired.
  auto slowest = read_steadily(4500ms, [&] { return f.get("hot").size() == 100; });
  auto rep = f.report();
  CHECK(total(rep, "misses") == 1);
  CHECK(total(rep, "hot_misses") == 0);
  CHECK(total(rep, "refresh_ahead") >= 1);
  CHECK(total(rep, "computes") >= 2);
  CHECK(total(rep, "computes") <= 4); // about once per TTL, not once per read
  CHECK(first_stats<shard_stats>(rep).refresh_ahead_failed == 0);
  CHECK(slowest < 150ms); // no read waited for a 200 ms compute
}

TEST_CASE("a hot key read with get_many is refreshed ahead as well", "[refresh-ahead]") {
  node_fixture f{slow_short_lived(0.8)};
  auto read_many = [&] {
    bool ok = false;
    f.self
      ->request(f.node.front, 5s, get_many_atom::value, std::vector<std::string>{"hot", "other"})
      .receive([&](const lookup_results& r) { ok = r.size() == 2 && r[0].found && r[1].found; },
               [](caf::error&) {});
    // Both keys read alike, in the same order every time: both must count as hot (the shard
    // samples reads at random, so neither position of the batch is left out).
    return ok;
  };
  REQUIRE(read_many()); // two misses: both keys computed
  auto slowest = read_steadily(3500ms, read_many);
  auto rep = f.report();
  CHECK(total(rep, "misses") == 2);
  CHECK(total(rep, "refresh_ahead") >= 2); // both keys are read equally often: both hot
  CHECK(slowest < 150ms);
}

TEST_CASE("with refresh-ahead off the hot key expires and a read waits for its compute",
          "[refresh-ahead]") {
  node_fixture f{slow_short_lived(0)};
  REQUIRE(f.get("hot").size() == 100);
  auto slowest = read_steadily(3500ms, [&] { return f.get("hot").size() == 100; });
  auto rep = f.report();
  CHECK(total(rep, "misses") >= 2);
  CHECK(total(rep, "hot_misses") >= 1); // it expired while hot
  CHECK(total(rep, "refresh_ahead") == 0);
  CHECK(slowest >= 150ms);
}

TEST_CASE("a cold key is not refreshed ahead, however late in its TTL it is read",
          "[refresh-ahead]") {
  node_fixture f{slow_short_lived(0.8)};
  REQUIRE(f.get("cold").size() == 100);
  // A few reads spread over the end of its lifetime: never hot (hot_threshold sampled reads).
  for (int i = 0; i < 5; ++i) {
    auto at = std::chrono::steady_clock::now() + 400ms;
    std::this_thread::sleep_until(at); // pacing: reads late in the TTL, not waiting for a state
    REQUIRE(f.get("cold").size() == 100);
  }
  CHECK(total(f.report(), "refresh_ahead") == 0);
}
