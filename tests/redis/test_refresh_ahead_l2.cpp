// Refresh-ahead on a node with Redis and no loader: L1 takes Redis's copy only when it lives longer.
#include <catch2/catch.hpp>

#include "core/ttl_clock.hpp"
#include "tests/support/redis_node.hpp"

using namespace ac;
using ac::test::first_stats;
using ac::test::node_fixture;
using ac::test::node_with_redis;
using ac::test::total;
using namespace std::chrono_literals;

namespace {

/// No loader: values come from clients and Redis (under `prefix`), live 2 s, and are refreshed
/// ahead at 80% of their life; one shard, so one coalescer.
auto l2_only(const std::string& prefix) {
  return [=](node_config& c) {
    c.redis_key_prefix = prefix;
    c.loader_kind = "none";
    c.cache_default_ttl = 2s;
    c.cache_shards = 1;
    c.cache_refresh_ahead = 0.8;
  };
}

/// Puts `value` through the node as a client would: an Entry that says its 2 s lifetime.
bool put_for_2s(node_fixture& f, const std::string& key, const std::string& value) {
  bool ok = false;
  f.self
    ->request(f.node.front, 5s, put_atom::value, key,
              encode_entry(make_bytes_entry(value, 2, unix_ms(), "test")), uint32_t{2})
    .receive([&](uint8_t s) { ok = put_status_of(s) == put_status::stored; }, [](caf::error&) {});
  return ok;
}

/// Reads `key` every 10 ms (hot) for `span`; returns how many reads found no value.
int read_steadily(node_fixture& f, const std::string& key, std::chrono::milliseconds span) {
  int missing = 0;
  auto end = std::chrono::steady_clock::now() + span;
  for (auto next = std::chrono::steady_clock::now(); next < end; next += 10ms) {
    if (f.get(key) == "<miss>")
      ++missing;
    std::this_thread::sleep_until(next + 10ms); // pacing of the load, not a wait for a condition
  }
  return missing;
}

} // namespace

TEST_CASE(
  "without a loader a hot key takes Redis's copy ahead of its expiry when that copy lives longer",
  "[redis][refresh-ahead]") {
  node_with_redis f{l2_only("ra1:")};
  REQUIRE(put_for_2s(f, "k", "old")); // L1 and Redis: 2 s
  // Someone wrote the key again with a longer life (as another node's put would).
  auto conn = f.direct();
  std::string err;
  REQUIRE(conn.set_ex(
    {{"k", encode_entry(make_bytes_entry("new", 60, unix_ms(), "elsewhere")), 60}}, &err));
  CHECK(read_steadily(f, "k", 3500ms) == 0);
  auto rep = f.report();
  CHECK(total(rep, "misses") == 0); // L1 held the key throughout: the old copy's end passed
  CHECK(total(rep, "refresh_ahead") >= 1);
  CHECK(first_stats<coalescer_stats>(rep).refresh_l2 == 1);
  CHECK(f.get("k") == "new");
}

TEST_CASE("without a loader the same copy in Redis is left alone, and the key expires as before",
          "[redis][refresh-ahead]") {
  node_with_redis f{l2_only("ra2:")};
  REQUIRE(put_for_2s(f, "k", "only"));
  read_steadily(f, "k", 3500ms);
  auto rep = f.report();
  CHECK(total(rep, "refresh_ahead") >= 1); // it was tried: Redis's copy ends no later than L1's
  CHECK(first_stats<coalescer_stats>(rep).refresh_l2 == 0);
  CHECK(total(rep, "misses") >= 1);
  CHECK(f.get("k") == "<miss>");
}
