// The miss path against a real redis-server: write-through, L2 hits, corrupt values, Redis loss and return.
#include <catch2/catch.hpp>

#include <future>

#include "tests/support/redis_node.hpp"

using namespace ac;
using namespace ac::test;
using namespace std::chrono_literals;

namespace {

/// Values computed in 20 ms (at least) and kept 120 s, under `prefix` in Redis.
auto computing(std::string prefix = "ac:") {
  return [=](node_config& c) {
    c.redis_key_prefix = prefix;
    c.loader_kind = "synthetic";
    c.loader_cost = 20ms;
    c.cache_default_ttl = 120s;
  };
}

/// computing(), and Redis given up on after 100 ms, for tests that take it away.
void computing_short_redis_timeout(node_config& c) {
  computing()(c);
  c.redis_timeout = 100ms;
}

} // namespace

TEST_CASE("a computed value lands in Redis as an Entry with its TTL", "[redis][miss]") {
  node_with_redis f{computing("t1:")};
  auto v = f.get("computed-key");
  REQUIRE(v.size() == 100);
  auto conn = f.direct();
  REQUIRE(f.eventually([&] { return redis_value(conn, "computed-key").has_value(); }));
  auto e = decode_entry(*redis_value(conn, "computed-key"));
  REQUIRE(e);
  CHECK(e->data == v);
  CHECK(e->ttl_seconds == 120);
  CHECK(e->compute_micros >= 20000);
  std::string err;
  auto ttl = conn.ttl("computed-key", &err);
  REQUIRE(ttl);
  CHECK(*ttl > 100);
  CHECK(*ttl <= 120);
}

TEST_CASE("a value another node computed is read from L2, not recomputed", "[redis][miss]") {
  node_with_redis a{computing()};
  auto va = a.get("shared-key");
  REQUIRE(va.size() == 100);
  auto conn = a.direct();
  REQUIRE(a.eventually([&] { return redis_value(conn, "shared-key").has_value(); }));
  node_fixture b{[&](node_config& c) {
    use_redis(c, a.redis.port());
    computing()(c);
  }};
  CHECK(b.get("shared-key") == va);
  auto rep = b.report();
  CHECK(total(rep, "computes") == 0);
  CHECK(total(rep, "l2_hits") == 1);
}

TEST_CASE("an entry evicted from L1 comes back from L2 without a compute", "[redis][miss]") {
  node_with_redis f{[](node_config& c) {
    computing()(c);
    c.loader_cost = 0ms;
    c.cache_max_entries = 20;
    c.cache_policy = "lru";
  }};
  auto first = f.get("ev-0");
  for (int i = 1; i < 200; ++i)
    REQUIRE(f.get("ev-" + std::to_string(i)).size() == 100);
  auto conn = f.direct();
  REQUIRE(f.eventually([&] { return redis_value(conn, "ev-0").has_value(); }));
  auto before = f.report();
  REQUIRE(total(before, "computes") == 200);
  REQUIRE(total(before, "evictions") >= 150);
  CHECK(f.get("ev-0") == first);
  auto after = f.report();
  CHECK(total(after, "computes") == 200);
  CHECK(total(after, "l2_hits") >= 1);
}

TEST_CASE("garbage bytes in Redis are a counted miss and a recompute", "[redis][miss]") {
  node_with_redis f{computing()};
  auto conn = f.direct();
  std::string err;
  REQUIRE(conn.set_ex({{"junk-key", std::string("\x00\x01garbage\xff", 10), 60}}, &err));
  auto v = f.get("junk-key");
  CHECK(v.size() == 100);
  auto rep = f.report();
  CHECK(total(rep, "l2_corrupt") == 1);
  CHECK(total(rep, "l2_hits") == 0); // a value that does not decode is never an L2 hit
  CHECK(total(rep, "computes") == 1);
  // The recomputed value replaced the garbage in Redis.
  CHECK(f.eventually([&] {
    auto raw = redis_value(conn, "junk-key");
    return raw && decode_entry(*raw).has_value();
  }));
}

TEST_CASE(
  "with Redis gone lookups are computed, the breaker opens, and it closes when Redis is back",
  "[redis][miss][fault]") {
  node_with_redis f{[](node_config& c) {
    computing_short_redis_timeout(c);
    c.loader_cost = 1ms;
  }};
  REQUIRE(f.get("before").size() == 100);
  f.redis.kill();
  for (int i = 0; i < 30; ++i)
    REQUIRE(f.get("down-" + std::to_string(i)).size() == 100);
  CHECK(f.report().breaker != "closed");
  CHECK(total(f.report(), "l2_errors") >= 1);
  f.redis.restart();
  // Writes resume once the breaker lets a probe through and Redis answers it.
  auto conn = f.direct();
  int i = 0;
  CHECK(f.eventually(
    [&] {
      auto key = "after-" + std::to_string(i++);
      f.get(key);
      return f.report().breaker == "closed" && redis_value(conn, key).has_value();
    },
    10s));
}

TEST_CASE("an acknowledged put is already in Redis when the put returns",
          "[redis][write-through]") {
  node_with_redis f{computing("wt:")};
  auto conn = f.direct();
  for (int i = 0; i < 50; ++i) {
    auto key = "acked-" + std::to_string(i);
    REQUIRE(f.put(key, "v" + std::to_string(i), 60) == "");
    auto raw = redis_value(conn, key); // no waiting: the acknowledgement came after the write
    REQUIRE(raw);
    auto e = decode_entry(*raw);
    REQUIRE(e);
    CHECK(e->data == "v" + std::to_string(i));
  }
}

TEST_CASE(
  "with Redis down and write-policy sync a put or delete is refused at once and changes nothing",
  "[redis][write-through][fault]") {
  node_with_redis f{computing_short_redis_timeout};
  REQUIRE(f.put("kept", "old") == "");
  f.redis.kill();
  for (int i = 0; i < 20; ++i) {
    auto start = std::chrono::steady_clock::now();
    CHECK(f.put("down-" + std::to_string(i), "v").rfind("unavailable", 0) == 0);
    CHECK(std::chrono::steady_clock::now() - start < 2s);
  }
  CHECK(f.put("kept", "new").rfind("unavailable", 0) == 0);
  CHECK(f.get("down-3") != "v"); // the loader may compute it; the refused put is not there
  CHECK(f.get("kept") == "old");
}

TEST_CASE(
  "with Redis down and write-policy l1-when-down a put is acknowledged from L1 and a delete stays deleted",
  "[redis][write-through][fault]") {
  node_with_redis f{[](node_config& c) {
    computing_short_redis_timeout(c);
    c.redis_write_policy = "l1-when-down";
  }};
  REQUIRE(f.put_as("gone", "old") == put_status::stored);
  f.redis.kill();
  for (int i = 0; i < 20; ++i) {
    auto start = std::chrono::steady_clock::now();
    std::string err;
    REQUIRE(f.put_as("down-" + std::to_string(i), "v", 0, &err) == put_status::stored_l1_only);
    CHECK(std::chrono::steady_clock::now() - start < 2s);
  }
  CHECK(f.get("down-3") == "v");
  bool erased = false;
  f.self->request(f.node.front, std::chrono::seconds(5), delete_atom::value, std::string{"gone"})
    .receive([&](bool b) { erased = b; }, [&](caf::error& e) { FAIL(describe(e)); });
  CHECK(erased);
  CHECK(f.get("gone") == "<miss>");
}

TEST_CASE("a put that lands while its key's miss is computing wins in L1 and in Redis",
          "[redis][miss]") {
  node_with_redis f{[](node_config& c) {
    computing("t-race:")(c);
    c.loader_cost = 400ms;
  }};
  // The get misses L1 and L2 and starts a 400 ms compute; the put (Redis first, then L1: the
  // sync write policy) lands meanwhile.
  auto loaded = std::async(std::launch::async, [&] {
    caf::scoped_actor other{f.sys};
    std::string out;
    other->request(f.node.front, std::chrono::seconds(5), get_atom::value, std::string{"raced"})
      .receive([&](const lookup_result& r) { out = r.found ? f.value_of(r) : "<miss>"; },
               [&](caf::error& e) { out = "<error: " + describe(e) + ">"; });
    return out;
  });
  auto coalescers = [&] {
    coalescer_stats sum;
    for (auto& a : f.report().actors) {
      auto s = stats_of<coalescer_stats>(a); // zeros for other kinds
      sum.in_flight += s.in_flight;
      sum.superseded += s.superseded;
    }
    return sum;
  };
  REQUIRE(f.eventually([&] { return coalescers().in_flight == 1; }));
  REQUIRE(f.put("raced", "mine").empty());
  CHECK(loaded.get().size() == 100); // the get that started the compute gets its value
  REQUIRE(f.eventually([&] { return coalescers().superseded == 1; }));
  CHECK(f.get("raced") == "mine");
  auto conn = f.direct();
  auto stored = redis_value(conn, "raced");
  REQUIRE(stored);
  auto e = decode_entry(*stored);
  REQUIRE(e);
  CHECK(e->data == "mine"); // the computed value did not follow the put into Redis
}
