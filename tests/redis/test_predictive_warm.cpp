// Predictive warming against a real redis-server: after a learned A -> B, a miss of A brings B into L1 from L2, never by a compute.
#include <catch2/catch.hpp>

#include "core/key_normalization.hpp"
#include "tests/support/redis_node.hpp"

using namespace ac;
using ac::test::node_fixture;
using ac::test::node_with_redis;
using namespace std::chrono_literals;

namespace {

/// Values computed and kept 120 s on four shards, with warming.predictive `predictive`.
auto predictive_node(bool predictive) {
  return [=](node_config& c) {
    c.loader_kind = "synthetic";
    c.cache_default_ttl = 120s;
    c.cache_shards = 4; // A and B may sit on different shards: the warm crosses over
    c.warming_predictive = predictive;
  };
}

/// Sums a counter over every shard and coalescer row of the node (-1 when a shard did not answer).
int64_t counter(node_fixture& f, const std::string& name) {
  int64_t sum = 0;
  for (auto& s : f.node.shards) {
    bool answered = false;
    f.self->request(s, 5s, stats_atom::value)
      .receive(
        [&](const std::vector<actor_stats>& rows) {
          answered = true;
          for (auto& row : rows)
            for (auto& [k, v] : row.counters)
              if (k == name)
                sum += v;
        },
        [](caf::error&) {});
    if (!answered)
      return -1;
  }
  return sum;
}

/// True when the key's shard holds it in L1 (peek never loads).
bool in_l1(node_fixture& f, const std::string& key) {
  auto& shard = f.node.shards[shard_of(key_hash(key), static_cast<uint32_t>(f.node.shards.size()))];
  bool hit = false;
  f.self->request(shard, 5s, peek_atom::value, key)
    .receive([&](const lookup_result& r) { hit = r.found; }, [](caf::error&) {});
  return hit;
}

/// Drops every shard's L1 (Redis keeps the values); returns once every shard has.
void flush_l1(node_fixture& f) {
  for (auto& s : f.node.shards)
    f.self->request(s, 5s, flush_atom::value).receive([](uint64_t) {}, [](caf::error&) {});
}

/// Puts A and B (they reach Redis: write-policy sync), then reads A then B from L2 `rounds`
/// times, each round after an L1 flush, so both miss in that order.
void teach(node_fixture& f, const std::string& a, const std::string& b, int rounds) {
  REQUIRE(f.put(a, "value-a") == "");
  REQUIRE(f.put(b, "value-b") == "");
  for (int i = 0; i < rounds; ++i) {
    flush_l1(f);
    REQUIRE(f.get(a) == "value-a");
    REQUIRE(f.get(b) == "value-b");
  }
  flush_l1(f);
  REQUIRE_FALSE(in_l1(f, b));
}

} // namespace

TEST_CASE("after A was followed by B, a miss of A makes B an L1 hit from Redis",
          "[redis][warming]") {
  node_with_redis f{predictive_node(true)};
  const std::string a = "feat:X:window-41", b = "feat:X:window-42";
  teach(f, a, b, 3);
  auto computes = counter(f, "computes");
  REQUIRE(f.get(a) == "value-a");
  REQUIRE(f.eventually([&] { return in_l1(f, b); }, 5s));
  CHECK(counter(f, "prefetches") >= 1);
  CHECK(counter(f, "prefetch_loaded") >= 1);
  CHECK(counter(f, "warmed") >= 1);
  CHECK(counter(f, "warm_found") >= 1);
  CHECK(counter(f, "computes") == computes);
  // The read that follows is an L1 hit on the warmed entry, counted as such.
  REQUIRE(f.get(b) == "value-b");
  CHECK(f.eventually([&] { return counter(f, "prefetch_hits") >= 1; }, 5s));
}

TEST_CASE("a predicted key missing from Redis is not computed by warming", "[redis][warming]") {
  node_with_redis f{predictive_node(true)};
  const std::string a = "feat:Y:window-7", b = "feat:Y:window-8";
  teach(f, a, b, 3);
  // B leaves Redis too (and L1): only a compute could bring it back now.
  auto conn = f.direct();
  std::string err;
  REQUIRE(conn.del({b}, &err));
  auto computes = counter(f, "computes");
  auto warmed = counter(f, "warmed");
  auto found = counter(f, "warm_found");
  REQUIRE(f.get(a) == "value-a");
  REQUIRE(f.eventually([&] { return counter(f, "warmed") > warmed; }, 5s));
  // The warm flight ends as a miss at L2: no compute, nothing in L1.
  REQUIRE(f.eventually([&] { return counter(f, "in_flight") == 0; }, 5s));
  CHECK(counter(f, "computes") == computes);
  CHECK(counter(f, "warm_found") == found);
  CHECK_FALSE(in_l1(f, b));
}

TEST_CASE("with warming.predictive off a miss of A warms nothing", "[redis][warming]") {
  node_with_redis f{predictive_node(false)};
  const std::string a = "feat:Z:window-1", b = "feat:Z:window-2";
  teach(f, a, b, 3);
  REQUIRE(f.get(a) == "value-a");
  // Off means no model at all: no shard asks for a warm, so B stays where the flush left it.
  CHECK(counter(f, "prefetches") == 0);
  CHECK(counter(f, "warmed") == 0);
  CHECK_FALSE(in_l1(f, b));
}
