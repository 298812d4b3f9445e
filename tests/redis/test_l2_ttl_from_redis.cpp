// An L2 value's L1 lifetime comes from Redis's PTTL, not from the writer's wall-clock stamp (in-process node, real redis-server).
#include <catch2/catch.hpp>

#include "core/ttl_clock.hpp"
#include "tests/support/redis_node.hpp"

using namespace ac;
using namespace std::chrono_literals;

namespace {

constexpr int64_t minute_ms = 60'000;

/// Writes `value` into Redis as another node would: an Entry of `ttl` seconds stamped
/// `stamp_ms` (that writer's wall clock), with Redis's own expiry `redis_ttl` seconds.
void write_as_other_node(redis_connection& c, const std::string& key, const std::string& value,
                         uint32_t ttl, int64_t stamp_ms, uint32_t redis_ttl) {
  std::string err;
  auto bytes = encode_entry(make_bytes_entry(value, ttl, stamp_ms, "elsewhere"));
  INFO(err);
  REQUIRE(c.set_ex({{key, bytes, redis_ttl}}, &err));
}

/// The L1 PTTL of `key` on the node (-2 absent, -1 no expiry), or -3 when it did not answer.
/// What L1 alone has left of `key` (ms, -1 forever, -2 absent): EXISTS and PTTL ask Redis
/// about a key L1 lacks, so the shards are peeked at instead.
int64_t l1_pttl(test::node_fixture& f, const std::string& key) {
  int64_t out = -2;
  for (auto& shard : f.node.shards)
    f.self->request(shard, 5s, peek_atom::value, key)
      .receive(
        [&](lookup_result& r) {
          if (r.found)
            out = r.ttl_ms;
        },
        [](caf::error& e) { FAIL(describe(e)); });
  return out;
}

} // namespace

TEST_CASE(
  "values read from L2 stay in L1 for what Redis says they have left, whatever their "
  "writers' clocks said",
  "[redis][miss][clock]") {
  test::redis_server redis; // throws (fails the test) when it cannot start
  auto conn = test::connect_directly(redis.port());
  // A writer 20 minutes ahead of this node, one 20 minutes behind, one in step; and one whose
  // Redis TTL was shortened (EXPIRE) below its Entry's.
  auto now = unix_ms();
  write_as_other_node(conn, "from-ahead", "a", 60, now + 20 * minute_ms, 60);
  write_as_other_node(conn, "from-behind", "b", 60, now - 20 * minute_ms, 60);
  write_as_other_node(conn, "in-step", "c", 60, now, 60);
  write_as_other_node(conn, "shortened", "d", 60, now, 10);
  test::node_fixture f{[&](node_config& c) {
    test::use_redis(c, redis.port());
    c.cache_default_ttl = 300s;
  }};
  CHECK(f.get("from-ahead") == "a");
  CHECK(f.get("from-behind") == "b");
  CHECK(f.get("in-step") == "c");
  CHECK(f.get("shortened") == "d");
  // L1 keeps each for Redis's remaining time less L1's rounding second, so never past Redis:
  // a wall-clock difference kept "from-ahead" 21 minutes and dropped "from-behind" after 1 s.
  for (auto key : {"from-ahead", "from-behind", "in-step"}) {
    INFO(key);
    auto left = l1_pttl(f, key);
    CHECK(left > 50'000);
    CHECK(left <= 60'000);
  }
  auto shortened = l1_pttl(f, "shortened");
  CHECK(shortened > 5'000);
  CHECK(shortened <= 10'000);
  CHECK(test::total(f.report(), "l2_hits") == 4);
}

TEST_CASE("a value with under two seconds left in Redis is served but not kept in L1",
          "[redis][miss][clock]") {
  test::redis_server redis;
  auto conn = test::connect_directly(redis.port());
  write_as_other_node(conn, "brief", "x", 60, unix_ms(), 1);
  test::node_fixture f{[&](node_config& c) { test::use_redis(c, redis.port()); }};
  CHECK(f.get("brief") == "x");
  CHECK(l1_pttl(f, "brief") == -2);
  // Once Redis lets it go, no node has it.
  CHECK(f.eventually([&] { return f.get("brief") == "<miss>"; }, 5s));
}

TEST_CASE(
  "an EXPIRE to zero with Redis behind L1 deletes the key in both, and the shard goes on "
  "answering",
  "[redis][clock]") {
  test::node_with_redis f;
  REQUIRE(f.put("short-lived", "v").empty());
  REQUIRE(f.get("short-lived") == "v");
  int64_t answer = -3;
  f.self
    ->request(f.node.front, 5s, keyspace_atom::value, static_cast<uint8_t>(key_op::expire),
              std::string{"short-lived"}, int64_t{0})
    .receive([&](int64_t n) { answer = n; }, [](caf::error&) {});
  CHECK(answer == 1);
  CHECK(l1_pttl(f, "short-lived") == -2);
  // Redis's copy goes too (the delete is sent on, so await it): a read then misses everywhere.
  CHECK(test::wait_until([&] { return f.get("short-lived") == "<miss>"; }, 5s));
  // The shard that ran the EXPIRE still answers.
  REQUIRE(f.put("after", "w").empty());
  CHECK(f.get("after") == "w");
}
