// The miss path against a real redis-server: write-through, L2 hits, corrupt values, Redis loss and return.
#include <catch2/catch.hpp>

#include "actors/redis_pipeline.hpp"
#include "tests/support/node_fixture.hpp"
#include "tests/support/redis_server.hpp"

using namespace ac;
using ac::test::node_fixture;
using ac::test::total;
using namespace std::chrono_literals;

namespace {

auto redis_node(uint16_t port, std::string prefix = "ac:") {
  return [=](node_config& c) {
    c.redis_enabled = true;
    c.redis_port = port;
    c.redis_key_prefix = prefix;
    c.loader_kind = "synthetic";
    c.loader_cost = 20ms;
    c.cache_default_ttl = 120s;
    c.redis_timeout = 1s; // CI shares two cores: a slow reply must not read as an L2 error here
  };
}

redis_connection direct(uint16_t port, std::string prefix = "ac:") {
  redis_options o;
  o.port = port;
  o.key_prefix = std::move(prefix);
  redis_connection c{o};
  std::string err;
  REQUIRE(c.connect(&err));
  return c;
}

std::optional<std::string> redis_value(redis_connection& c, const std::string& key) {
  std::string err;
  auto v = c.mget({key}, &err);
  if (!v || v->empty())
    return std::nullopt;
  return (*v)[0];
}

} // namespace

TEST_CASE("a computed value lands in Redis as an Entry with its TTL", "[redis][miss]") {
  REQUIRE(test::redis_server::installed());
  test::redis_server redis;
  node_fixture f{redis_node(redis.port(), "t1:")};
  auto v = f.get("computed-key");
  REQUIRE(v.size() == 100);
  auto conn = direct(redis.port(), "t1:");
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
  REQUIRE(test::redis_server::installed());
  test::redis_server redis;
  node_fixture a{redis_node(redis.port())};
  auto va = a.get("shared-key");
  REQUIRE(va.size() == 100);
  auto conn = direct(redis.port());
  REQUIRE(a.eventually([&] { return redis_value(conn, "shared-key").has_value(); }));
  node_fixture b{redis_node(redis.port())};
  CHECK(b.get("shared-key") == va);
  auto rep = b.report();
  CHECK(total(rep, "computes") == 0);
  CHECK(total(rep, "l2_hits") == 1);
}

TEST_CASE("an entry evicted from L1 comes back from L2 without a compute", "[redis][miss]") {
  REQUIRE(test::redis_server::installed());
  test::redis_server redis;
  node_fixture f{[&](node_config& c) {
    redis_node(redis.port())(c);
    c.loader_cost = 0ms;
    c.cache_max_entries = 20;
    c.cache_policy = "lru";
  }};
  auto first = f.get("ev-0");
  for (int i = 1; i < 200; ++i)
    REQUIRE(f.get("ev-" + std::to_string(i)).size() == 100);
  auto conn = direct(redis.port());
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
  REQUIRE(test::redis_server::installed());
  test::redis_server redis;
  auto conn = direct(redis.port());
  std::string err;
  REQUIRE(conn.set_ex({{"junk-key", std::string("\x00\x01garbage\xff", 10), 60}}, &err));
  node_fixture f{redis_node(redis.port())};
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
  REQUIRE(test::redis_server::installed());
  test::redis_server redis;
  node_fixture f{[&](node_config& c) {
    redis_node(redis.port())(c);
    c.loader_cost = 1ms;
    c.redis_timeout = 100ms;
  }};
  REQUIRE(f.get("before").size() == 100);
  redis.kill();
  for (int i = 0; i < 30; ++i)
    REQUIRE(f.get("down-" + std::to_string(i)).size() == 100);
  CHECK(f.report().breaker != "closed");
  CHECK(total(f.report(), "l2_errors") >= 1);
  redis.restart();
  // Writes resume once the breaker lets a probe through and Redis answers it.
  auto conn = direct(redis.port());
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
  REQUIRE(test::redis_server::installed());
  test::redis_server redis;
  node_fixture f{redis_node(redis.port(), "wt:")};
  auto conn = direct(redis.port(), "wt:");
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
  REQUIRE(test::redis_server::installed());
  test::redis_server redis;
  node_fixture f{[&](node_config& c) {
    redis_node(redis.port())(c);
    c.redis_timeout = 100ms;
  }};
  REQUIRE(f.put("kept", "old") == "");
  redis.kill();
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
  REQUIRE(test::redis_server::installed());
  test::redis_server redis;
  node_fixture f{[&](node_config& c) {
    redis_node(redis.port())(c);
    c.redis_timeout = 100ms;
    c.redis_write_policy = "l1-when-down";
  }};
  REQUIRE(f.put_as("gone", "old") == put_status::stored);
  redis.kill();
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
