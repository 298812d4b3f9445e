// Tests of one shard's L1 storage: TTL with an injected clock, byte and entry bounds, eviction, ghosts.
// About 400 lines on purpose: the store's core contract in one place (SCAN, the arena and the
// absent marks have files of their own).
#include <catch2/catch.hpp>

#include "core/cache_store.hpp"
#include "core/key_normalization.hpp"

using namespace ac;
using namespace std::chrono_literals;

namespace {

struct store_fixture {
  explicit store_fixture(store_options o = {}) : store(o, clock) {}
  manual_clock clock;
  cache_store store;

  bool put(const std::string& k, std::string v, std::chrono::seconds ttl = 0s) {
    return store.put(k, key_hash(k), v, ttl);
  }
  std::string get(const std::string& k) {
    auto r = store.get(k, key_hash(k));
    return r ? std::string{r.value} : "<miss>";
  }
};

store_options opts(uint64_t bytes, uint64_t entries, std::string policy = "lru") {
  store_options o;
  o.max_bytes = bytes;
  o.max_entries = entries;
  o.policy = std::move(policy);
  return o;
}

} // namespace

TEST_CASE("a value put is read back and overwritten in place", "[store]") {
  store_fixture f;
  REQUIRE(f.put("a", "1"));
  CHECK(f.get("a") == "1");
  REQUIRE(f.put("a", "22"));
  CHECK(f.get("a") == "22");
  CHECK(f.store.entries() == 1);
  CHECK(f.store.bytes() == cache_store::weight_of("a", "22"));
  CHECK(f.store.counters().hits == 2);
}

TEST_CASE(
  "a value over 1 KiB is stored 8-aligned whatever its key's length, so it is read in place",
  "[store]") {
  store_fixture f;
  for (size_t key_len = 1; key_len <= 40; ++key_len) {
    for (size_t value_len : {1000, 1100, 4096, 20000, 122880}) {
      std::string key(key_len, 'k'), value(value_len, static_cast<char>('a' + key_len % 26));
      REQUIRE(f.put(key, value));
      auto r = f.store.get(key, key_hash(key));
      REQUIRE(r);
      CHECK(r.value == value);
      if (key_len + value_len + 20 > 1024)
        CHECK(reinterpret_cast<uintptr_t>(r.value.data()) % 8 == 0);
    }
  }
}

TEST_CASE("a large value a reader pinned keeps its bytes while the store rewrites and drops it",
          "[store]") {
  // Why: an I/O loop sends a 120 KB hit after unlocking the store; a SET of the key meanwhile
  // (same size: rewritten in place otherwise) or its eviction must not change what it sends.
  store_fixture f;
  std::string key = "tensor", first(122880, 'a'), second(122880, 'b');
  REQUIRE(f.put(key, first));
  auto read = f.store.try_hit(key, key_hash(key));
  REQUIRE(read);
  REQUIRE(read.pin != nullptr);
  REQUIRE(f.put(key, second)); // the same size: the slot is rewritten, in a fresh blob
  CHECK(read.value == first);
  CHECK(f.get(key) == second);
  auto again = f.store.get(key, key_hash(key), true); // get(pin_large) pins as try_hit() does
  REQUIRE(again.pin != nullptr);
  CHECK(f.store.get(key, key_hash(key)).pin == nullptr); // a plain get() leaves it
  REQUIRE(f.store.erase(key, key_hash(key)));
  CHECK(read.value == first);
  CHECK(again.value == second);
  CHECK(f.get(key) == "<miss>");
  // Unpinned, a rewrite stays in place (no new blob for every SET of a tensor).
  REQUIRE(f.put(key, first));
  const char* where = f.store.try_hit(key, key_hash(key)).value.data();
  REQUIRE(f.put(key, second));
  auto last = f.store.try_hit(key, key_hash(key));
  CHECK(last.value.data() == where);
  CHECK(last.value == second);
}

TEST_CASE("small values are not pinned: they are read under the store's lock", "[store]") {
  store_fixture f;
  REQUIRE(f.put("k", std::string(16000, 'x'))); // the largest entries on pages
  auto r = f.store.try_hit("k", key_hash("k"));
  REQUIRE(r);
  CHECK(r.pin == nullptr);
}

TEST_CASE("an entry expires when its TTL has passed on the injected clock", "[store][ttl]") {
  store_fixture f;
  REQUIRE(f.put("short", "v", 10s));
  REQUIRE(f.put("default", "v")); // default_ttl = 300 s
  f.clock.advance(9s);
  CHECK(f.get("short") == "v");
  f.clock.advance(1s);
  CHECK(f.get("short") == "<miss>");
  CHECK(f.store.counters().expirations == 1);
  CHECK(f.get("default") == "v");
  f.clock.advance(300s);
  CHECK(f.get("default") == "<miss>");
  CHECK(f.store.entries() == 0);
  CHECK(f.store.bytes() == 0);
}

TEST_CASE("the sweep drops expired entries nobody reads", "[store][ttl]") {
  store_fixture f;
  for (int i = 0; i < 100; ++i)
    REQUIRE(f.put("k" + std::to_string(i), "v", std::chrono::seconds(i < 50 ? 5 : 500)));
  f.clock.advance(7s);
  CHECK(f.store.sweep() == 50);
  CHECK(f.store.entries() == 50);
  CHECK(f.store.counters().expirations == 50);
  CHECK(f.store.sweep() == 0);
}

TEST_CASE("a value past its TTL is served stale within stale_ttl", "[store][ttl]") {
  auto o = opts(1 << 20, 1000);
  o.stale_ttl = 30s;
  store_fixture f{o};
  REQUIRE(f.put("k", "v", 10s));
  f.clock.advance(15s);
  auto r = f.store.get("k", key_hash("k"));
  REQUIRE(r);
  CHECK(r.stale);
  f.clock.advance(30s);
  CHECK(f.get("k") == "<miss>");
}

TEST_CASE("the entry bound evicts the least recently used key", "[store][bounds]") {
  store_fixture f{opts(1 << 20, 3)};
  REQUIRE(f.put("a", "1"));
  REQUIRE(f.put("b", "2"));
  REQUIRE(f.put("c", "3"));
  CHECK(f.get("a") == "1"); // a is now the most recent
  REQUIRE(f.put("d", "4"));
  CHECK(f.store.entries() == 3);
  CHECK(f.get("b") == "<miss>");
  CHECK(f.get("a") == "1");
  CHECK(f.get("c") == "3");
  CHECK(f.get("d") == "4");
  CHECK(f.store.counters().evictions == 1);
}

TEST_CASE("the byte bound holds for every policy", "[store][bounds]") {
  for (auto policy : {"lru", "wtinylfu"}) {
    INFO(policy);
    auto budget = 50 * cache_store::weight_of("key-00", std::string(100, 'v'));
    store_fixture f{opts(budget, 1000000, policy)};
    for (int i = 0; i < 500; ++i) {
      char k[16];
      std::snprintf(k, sizeof k, "key-%02d", i % 100);
      f.put(k + std::to_string(i / 100), std::string(100, 'v'));
      REQUIRE(f.store.bytes() <= budget);
    }
    CHECK(f.store.entries() <= 50);
    CHECK(f.store.entries() >= 40);
    CHECK(f.store.counters().evictions + f.store.counters().rejected >= 450);
  }
}

TEST_CASE("a value larger than the whole budget is refused and leaves nothing behind",
          "[store][bounds]") {
  store_fixture f{opts(1024, 100)};
  REQUIRE(f.put("small", "x"));
  CHECK_FALSE(f.put("huge", std::string(2000, 'v')));
  CHECK(f.get("huge") == "<miss>");
  CHECK(f.get("small") == "x");
  CHECK(f.store.counters().rejected == 1);
}

TEST_CASE("shrinking evicts down to the new budget at once", "[store][bounds]") {
  store_fixture f{opts(1 << 20, 1000)};
  for (int i = 0; i < 100; ++i)
    REQUIRE(f.put("k" + std::to_string(i), std::string(100, 'v')));
  auto per = cache_store::weight_of("k10", std::string(100, 'v'));
  f.store.resize(20 * per, 1000);
  CHECK(f.store.bytes() <= 20 * per);
  CHECK(f.store.entries() <= 20);
  f.store.resize(1 << 20, 5);
  CHECK(f.store.entries() <= 5);
  // The most recent keys survive.
  CHECK(f.get("k99") != "<miss>");
}

TEST_CASE("erase removes a key and only that key", "[store]") {
  store_fixture f;
  REQUIRE(f.put("a", "1"));
  REQUIRE(f.put("b", "2"));
  CHECK(f.store.erase("a", key_hash("a")));
  CHECK_FALSE(f.store.erase("a", key_hash("a")));
  CHECK(f.get("a") == "<miss>");
  CHECK(f.get("b") == "2");
  CHECK(f.store.bytes() == cache_store::weight_of("b", "2"));
}

TEST_CASE("keys that share a hash bucket are told apart by the full key", "[store]") {
  store_fixture f;
  // Two keys whose hashes agree in their low 16 bits share a bucket at any table size here.
  std::string one = "one", two;
  for (int i = 0; two.empty(); ++i) {
    auto k = "two-" + std::to_string(i);
    if ((key_hash(k) & 0xffff) == (key_hash(one) & 0xffff))
      two = k;
  }
  REQUIRE(f.put(one, "1"));
  CHECK(f.get(two) == "<miss>");
  REQUIRE(f.put(two, "2"));
  CHECK(f.get(two) == "2");
  CHECK(f.get(one) == "1");
  CHECK(f.store.entries() == 2);
  REQUIRE(f.store.erase(one, key_hash(one)));
  CHECK(f.get(two) == "2");
  CHECK(f.get(one) == "<miss>");
  CHECK(f.store.entries() == 1);
}

TEST_CASE("a miss on a recently evicted key counts as a ghost hit", "[store][ghost]") {
  store_fixture f{opts(1 << 20, 2)};
  REQUIRE(f.put("a", "1"));
  REQUIRE(f.put("b", "2"));
  REQUIRE(f.put("c", "3")); // evicts a
  CHECK(f.get("a") == "<miss>");
  CHECK(f.get("never") == "<miss>");
  CHECK(f.store.counters().ghost_hits == 1);
}

TEST_CASE("an overwrite with a value of another size keeps the key's place in the LRU order",
          "[store]") {
  store_fixture f{opts(1 << 20, 3)};
  REQUIRE(f.put("a", "1"));
  REQUIRE(f.put("b", "2"));
  REQUIRE(f.put("c", "3"));
  REQUIRE(f.put("a", std::string(500, 'x'))); // moves to a bigger slot and becomes most recent
  REQUIRE(f.put("d", "4"));                   // evicts b, the least recent
  CHECK(f.get("a") == std::string(500, 'x'));
  CHECK(f.get("b") == "<miss>");
  CHECK(f.get("c") == "3");
  CHECK(f.store.bytes()
        == cache_store::weight_of("a", std::string(500, 'x')) + cache_store::weight_of("c", "3")
             + cache_store::weight_of("d", "4"));
}

TEST_CASE("long keys and large values round-trip through every header form", "[store]") {
  store_fixture f{opts(64 << 20, 100, "wtinylfu")};
  std::string long_key(1500, 'k'), big(5 << 20, 'b'), mid(20000, 'm');
  REQUIRE(f.put(long_key, "v"));
  REQUIRE(f.put("big", big));
  REQUIRE(f.put("mid", mid));
  CHECK(f.get(long_key) == "v");
  CHECK(f.get("big") == big);
  CHECK(f.get("mid") == mid);
  REQUIRE(f.put("big", "small now"));
  CHECK(f.get("big") == "small now");
  CHECK(f.store.bytes()
        == cache_store::weight_of(long_key, "v") + cache_store::weight_of("big", "small now")
             + cache_store::weight_of("mid", mid));
}

TEST_CASE("every key stays readable while the table grows many times", "[store]") {
  for (auto policy : {"lru", "wtinylfu"}) {
    store_fixture f{opts(1ull << 32, 100000, policy)};
    for (int i = 0; i < 50000; ++i)
      REQUIRE(f.put("key-" + std::to_string(i), std::to_string(i * 7)));
    CHECK(f.store.entries() == 50000);
    for (int i = 0; i < 50000; i += 7)
      REQUIRE(f.get("key-" + std::to_string(i)) == std::to_string(i * 7));
    for (int i = 0; i < 50000; i += 2)
      REQUIRE(f.store.erase("key-" + std::to_string(i), key_hash("key-" + std::to_string(i))));
    CHECK(f.store.entries() == 25000);
    CHECK(f.get("key-3") == "21");
    CHECK(f.get("key-4") == "<miss>");
  }
}

TEST_CASE("a sweep in slices drops every expired entry after enough slices", "[store][ttl]") {
  store_fixture f;
  for (int i = 0; i < 1000; ++i)
    REQUIRE(f.put("k" + std::to_string(i), "v", std::chrono::seconds(i % 2 ? 5 : 500)));
  f.clock.advance(6s);
  size_t dropped = 0;
  for (int slice = 0; slice < 100 && dropped < 500; ++slice) {
    auto n = f.store.sweep(64);
    CHECK(n <= 64);
    dropped += n;
  }
  CHECK(dropped == 500);
  CHECK(f.store.entries() == 500);
}

TEST_CASE("wtinylfu admission holds when the entry bound binds before the byte budget", "[store]") {
  // The node's defaults (1M entries, 256 MiB) make the entry bound bind first for small values:
  // admission must judge that bound too, or W-TinyLFU degrades to LRU there.
  for (auto policy : {"lru", "wtinylfu"}) {
    store_fixture f{opts(1ull << 32, 100, policy)};
    auto access = [&](const std::string& k) {
      if (f.get(k) == "<miss>")
        f.put(k, "value of " + k);
      REQUIRE(f.store.entries() <= 100);
    };
    for (int round = 0; round < 20; ++round)
      for (int i = 0; i < 80; ++i)
        access("hot-" + std::to_string(i));
    for (int i = 0; i < 500; ++i) // one-time keys
      access("scan-" + std::to_string(i));
    int kept = 0;
    for (int i = 0; i < 80; ++i)
      kept += f.get("hot-" + std::to_string(i)) != "<miss>";
    INFO(policy);
    if (std::string(policy) == "lru")
      CHECK(kept == 0);
    else
      CHECK(kept >= 70);
  }
}

TEST_CASE("a hit says how long its entry has left, in the same lookup", "[store][ttl]") {
  store_fixture f; // the manual clock starts on a whole second: deadlines are exact
  REQUIRE(f.put("k", "v", 10s));
  f.clock.advance(2500ms);
  auto hit = f.store.get("k", key_hash("k"));
  REQUIRE(hit);
  CHECK(hit.ttl_left_ms == 7500);
  auto inline_hit = f.store.try_hit("k", key_hash("k"));
  REQUIRE(inline_hit);
  CHECK(inline_hit.ttl_left_ms == 7500);
  f.clock.advance(7499ms);
  CHECK(f.store.try_hit("k", key_hash("k")).ttl_left_ms == 1);
  // default_ttl 300 s here; a store whose default is 0 keeps values forever (ttl_left_ms 0).
  store_options o;
  o.default_ttl = 0s;
  store_fixture never{o};
  REQUIRE(never.put("n", "v"));
  auto n = never.store.try_hit("n", key_hash("n"));
  REQUIRE(n);
  CHECK(n.ttl_left_ms == 0);
}

TEST_CASE(
  "the store tells how often a key was read lately under W-TinyLFU, and nothing under LRU") {
  store_fixture tiny{opts(1 << 20, 1000, "wtinylfu")};
  REQUIRE(tiny.put("often", "v"));
  REQUIRE(tiny.put("once", "v"));
  for (int i = 0; i < 6; ++i)
    REQUIRE(tiny.get("often") == "v");
  CHECK(tiny.store.frequency(key_hash("often")) > tiny.store.frequency(key_hash("once")));
  CHECK(tiny.store.frequency(key_hash("often")) >= 6);

  store_fixture lru{opts(1 << 20, 1000, "lru")};
  REQUIRE(lru.put("often", "v"));
  for (int i = 0; i < 6; ++i)
    REQUIRE(lru.get("often") == "v");
  CHECK(lru.store.frequency(key_hash("often")) == 0);
}

TEST_CASE("try_hit counting absent keys counts a miss as get() does and leaves expired ones",
          "[store][ghost]") {
  store_fixture f{opts(1 << 20, 2)};
  REQUIRE(f.put("a", "1"));
  REQUIRE(f.put("b", "2"));
  REQUIRE(f.put("c", "3")); // evicts a (LRU, two entries)
  REQUIRE(f.put("short", "v", 1s));
  // Without count_absent an absent key is neither counted nor marked.
  auto quiet = f.store.try_hit("nothing", key_hash("nothing"));
  CHECK_FALSE(quiet);
  CHECK_FALSE(quiet.absent);
  CHECK(f.store.counters().misses == 0);
  // With it: a miss, and a ghost hit for the key evicted lately.
  auto gone = f.store.try_hit("a", key_hash("a"), true);
  CHECK_FALSE(gone);
  CHECK(gone.absent);
  CHECK(f.store.counters().misses == 1);
  CHECK(f.store.counters().ghost_hits == 1);
  // An expired entry is not absent: the slow path drops and counts it.
  f.clock.advance(2s);
  auto expired = f.store.try_hit("short", key_hash("short"), true);
  CHECK_FALSE(expired);
  CHECK_FALSE(expired.absent);
  CHECK(f.store.counters().misses == 1);
  CHECK(f.get("short") == "<miss>");
  CHECK(f.store.counters().misses == 2);
  CHECK(f.store.counters().expirations == 1);
}

TEST_CASE("prefetching a batch's buckets, entries and list neighbours changes nothing a read sees",
          "[store]") {
  for (const char* policy : {"lru", "wtinylfu"}) {
    INFO(policy);
    store_fixture with{opts(1 << 20, 3, policy)}, without{opts(1 << 20, 3, policy)};
    for (auto* f : {&with, &without})
      for (auto k : {"a", "b", "c", "d"}) // the fourth evicts one: lists of one to three entries
        f->put(k, std::string{"value of "} + k);
    std::vector<std::string> batch{"a", "b", "c", "d", "absent", "b"};
    for (const auto& k : batch) {
      auto h = key_hash(k);
      with.store.prefetch_bucket(h);
      with.store.prefetch_entry(h);
      with.store.prefetch_links(h);
    }
    for (const auto& k : batch)
      CHECK(with.get(k) == without.get(k));
    CHECK(with.store.counters().hits == without.store.counters().hits);
    CHECK(with.store.counters().misses == without.store.counters().misses);
    CHECK(with.store.entries() == without.store.entries());
  }
}

TEST_CASE(
  "an EXPIRE far past what a deadline holds is the longest TTL and leaves the entry's "
  "policy state alone",
  "[store][ttl]") {
  store_fixture f{opts(1 << 20, 200, "wtinylfu")};
  REQUIRE(f.put("tag", "v"));
  for (int i = 0; i < 5; ++i)
    CHECK(f.get("tag") == "v"); // promoted: the policy keeps its segment in the entry's tag bits
  // 9.3e9 s overflowed the deadline's arithmetic and wrapped into those bits.
  REQUIRE(f.store.expire("tag", key_hash("tag"), std::chrono::milliseconds{9'300'000'000'000}));
  constexpr int64_t longest_ms = ((int64_t{1} << 30) - 1) * 1000;
  CHECK(f.store.pttl("tag", key_hash("tag")) > longest_ms - 2000);
  CHECK(f.get("tag") == "v");
  // Churn that evicts through every segment: a corrupted tag indexes past the policy's lists.
  for (int i = 0; i < 2000; ++i) {
    auto k = "churn-" + std::to_string(i);
    f.put(k, "x");
    f.get(k);
  }
  CHECK(f.store.entries() <= 200);
  f.clock.advance(std::chrono::hours(24 * 365));
  CHECK(f.store.pttl("tag", key_hash("tag")) != 0);
}
