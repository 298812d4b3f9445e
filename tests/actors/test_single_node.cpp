// In-process tests of one node's actors: front, shards, metrics (no loader, no L2).
#include <catch2/catch.hpp>

#include "tests/support/node_fixture.hpp"

using namespace ac;
using ac::test::node_fixture;
using ac::test::total;

TEST_CASE("a stored value is read back through the front", "[node]") {
  node_fixture f;
  REQUIRE(f.put("alpha", "one") == "");
  CHECK(f.get("alpha") == "one");
  REQUIRE(f.put("alpha", "two") == "");
  CHECK(f.get("alpha") == "two");
}

TEST_CASE("a key nobody stored is a miss when there is no loader and no L2", "[node]") {
  node_fixture f;
  CHECK(f.get("nothing-here") == "<miss>");
}

TEST_CASE("get_many answers in the order of the keys across shards", "[node]") {
  node_fixture f{[](node_config& c) { c.cache_shards = 4; }};
  std::vector<std::string> keys;
  for (int i = 0; i < 40; ++i) {
    keys.push_back("k" + std::to_string(i));
    if (i % 4 != 3)
      REQUIRE(f.put(keys.back(), "v" + std::to_string(i)) == "");
  }
  lookup_results got;
  f.self->request(f.node.front, std::chrono::seconds(5), get_many_atom::value, keys)
    .receive([&](lookup_results& r) { got = std::move(r); }, [](caf::error&) {});
  REQUIRE(got.size() == keys.size());
  for (int i = 0; i < 40; ++i) {
    INFO("key " << i);
    if (i % 4 == 3)
      CHECK_FALSE(got[i].found);
    else
      CHECK(node_fixture::value_of(got[i]) == "v" + std::to_string(i));
  }
}

TEST_CASE("erase removes a key and says whether it was there", "[node]") {
  node_fixture f;
  REQUIRE(f.put("gone", "soon") == "");
  auto erase = [&](const std::string& k) {
    bool existed = false;
    f.self->request(f.node.front, std::chrono::seconds(5), delete_atom::value, k)
      .receive([&](bool b) { existed = b; }, [](caf::error&) {});
    return existed;
  };
  CHECK(erase("gone"));
  CHECK(f.get("gone") == "<miss>");
  CHECK_FALSE(erase("gone"));
}

TEST_CASE("bad keys and values are refused with a named error and store nothing", "[node]") {
  node_fixture f{[](node_config& c) {
    c.cache_max_key_bytes = 16;
    c.cache_max_value_bytes = 100;
  }};
  CHECK(f.put("", "x").rfind("empty_key", 0) == 0);
  auto long_key = std::string(17, 'k');
  CHECK(f.put(long_key, "x").find("cache.max-key-bytes=16") != std::string::npos);
  CHECK(f.get(long_key).find("key_too_long") != std::string::npos);
  CHECK(f.put("big", std::string(101, 'v')).find("cache.max-value-bytes=100") != std::string::npos);
  CHECK(f.get("big") == "<miss>");
  // Raw bytes that are not an Entry are refused too.
  std::string err;
  f.self
    ->request(f.node.front, std::chrono::seconds(5), put_atom::value, std::string{"raw"},
              std::string{"not an entry"}, uint32_t{0})
    .receive([](uint8_t) {}, [&](caf::error& e) { err = describe(e); });
  CHECK(err.rfind("bad_value", 0) == 0);
  CHECK(f.get("raw") == "<miss>");
  // The node keeps serving.
  REQUIRE(f.put("fine", "ok") == "");
  CHECK(f.get("fine") == "ok");
}

TEST_CASE("an entry is gone once its TTL has passed", "[node]") {
  auto clock = std::make_shared<manual_clock>(); // L1's time moves only when the test says
  node_fixture f{[](node_config&) {}, ac::test::with_clock(clock)};
  REQUIRE(f.put("short", "lived", 1) == "");
  REQUIRE(f.put("long", "lived", 60) == "");
  CHECK(f.get("short") == "lived");
  clock->advance(std::chrono::milliseconds(999));
  CHECK(f.get("short") == "lived"); // a moment before its TTL
  clock->advance(std::chrono::milliseconds(1));
  CHECK(f.get("short") == "<miss>"); // at its TTL: gone
  CHECK(f.get("long") == "lived");
  clock->advance(std::chrono::seconds(59));
  CHECK(f.get("long") == "<miss>");
}

TEST_CASE("the node evicts down to its entry budget and counts evictions", "[node]") {
  node_fixture f{[](node_config& c) {
    c.cache_max_entries = 100;
    c.cache_policy = "lru";
  }};
  for (int i = 0; i < 500; ++i)
    REQUIRE(f.put("e" + std::to_string(i), "value") == "");
  auto rep = f.report();
  CHECK(total(rep, "entries") <= 100);
  CHECK(total(rep, "entries") >= 90);
  CHECK(total(rep, "evictions") >= 400);
  // LRU keeps the most recent writes.
  CHECK(f.get("e499") == "value");
}

TEST_CASE("the report has a row per actor, node totals and recommendations", "[node][stats]") {
  node_fixture f;
  REQUIRE(f.put("a", "1") == "");
  CHECK(f.get("a") == "1");
  CHECK(f.get("a") == "1");
  CHECK(f.get("b") == "<miss>");
  auto rep = f.report();
  CHECK(total(rep, "hits") == 2);
  CHECK(total(rep, "misses") == 1);
  CHECK(total(rep, "hit_rate") == Approx(2.0 / 3));
  CHECK(total(rep, "entries") == 1);
  CHECK(total(rep, "p99_us") >= 1);
  size_t shards = 0;
  bool front = false, metrics = false, membership = false;
  for (auto& a : rep.actors) {
    shards += a.kind == "shard";
    front |= a.kind == "front";
    metrics |= a.kind == "metrics";
    membership |= a.kind == "membership";
    CHECK_FALSE(a.name.empty());
  }
  CHECK(shards == 2);
  CHECK(front);
  CHECK(metrics);
  CHECK(membership);
  CHECK(rep.breaker == "disabled");
  // Three lookups are too few for any advice: neither hit rate nor "could shrink" (an idle
  // node's usage says nothing about the size it needs).
  CHECK(rep.recommendations.empty());
}
