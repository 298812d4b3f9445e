// Tests of listing and clearing one shard's L1: SCAN's reversed-bit cursor, TTL, clear.
#include <catch2/catch.hpp>

#include <map>
#include <set>

#include "core/cache_store.hpp"
#include "core/key_normalization.hpp"

using namespace ac;
using namespace std::chrono_literals;

namespace {

struct scan_fixture {
  manual_clock clock;
  cache_store store{store_options{}, clock};

  void put(const std::string& k, std::chrono::seconds ttl = 0s) {
    REQUIRE(store.put(k, key_hash(k), "v", ttl));
  }

  /// Every key a scan returns, in pages of `budget` entries; how often each came back.
  std::map<std::string, int> scan_all(size_t budget, const std::function<void()>& between = {}) {
    std::map<std::string, int> seen;
    uint64_t cursor = 0;
    int pages = 0;
    do {
      cursor = store.scan(cursor, budget, [&](std::string_view k) {
        ++seen[std::string{k}];
        return true;
      });
      if (between)
        between();
      if (++pages > 100000)
        FAIL("the scan does not end");
    } while (cursor != 0);
    return seen;
  }
};

} // namespace

TEST_CASE("a scan in small pages returns every key exactly once when nothing changes",
          "[store][scan]") {
  scan_fixture f;
  for (int i = 0; i < 500; ++i)
    f.put("key" + std::to_string(i));
  auto seen = f.scan_all(7);
  CHECK(seen.size() == 500);
  for (auto& [k, n] : seen)
    CHECK(n == 1);
}

TEST_CASE("a key present for the whole scan is returned although the table grows meanwhile",
          "[store][scan]") {
  scan_fixture f;
  for (int i = 0; i < 50; ++i)
    f.put("old" + std::to_string(i));
  int added = 0, pages = 0;
  // 40 new keys after each of the first 20 pages: the table doubles several times mid-walk.
  auto seen = f.scan_all(3, [&] {
    if (++pages <= 20)
      for (int j = 0; j < 40; ++j)
        f.put("new" + std::to_string(added++));
  });
  REQUIRE(f.store.entries() == 850);
  for (int i = 0; i < 50; ++i)
    CHECK(seen.count("old" + std::to_string(i)) == 1);
}

TEST_CASE("a scan skips entries past their TTL and an empty store ends at once", "[store][scan]") {
  scan_fixture f;
  CHECK(f.scan_all(10).empty());
  f.put("short", 1s);
  f.put("long", 100s);
  f.clock.advance(2s);
  auto seen = f.scan_all(10);
  CHECK(seen.size() == 1);
  CHECK(seen.count("long") == 1);
}

TEST_CASE("a scan stops early when the visitor says so", "[store][scan]") {
  scan_fixture f;
  for (int i = 0; i < 100; ++i)
    f.put("k" + std::to_string(i));
  int visited = 0;
  auto cursor = f.store.scan(0, 1000, [&](std::string_view) { return ++visited < 5; });
  CHECK(visited >= 5);
  CHECK(visited < 100);
  CHECK(cursor != 0);
}

TEST_CASE("clear drops every entry and counts them as erases", "[store][scan]") {
  scan_fixture f;
  for (int i = 0; i < 300; ++i)
    f.put("k" + std::to_string(i));
  CHECK(f.store.clear() == 300);
  CHECK(f.store.entries() == 0);
  CHECK(f.store.bytes() == 0);
  CHECK(f.store.counters().erases == 300);
  CHECK(f.scan_all(10).empty());
  f.put("again"); // the store still works
  CHECK(f.store.get("again", key_hash("again")).found);
}
