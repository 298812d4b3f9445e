// Which keys were written since a moment: the marks a loaded value is checked against before it enters L1.
#include <catch2/catch.hpp>

#include "core/cache_store.hpp"
#include "core/key_normalization.hpp"
#include "core/write_marks.hpp"

using ac::write_marks;

TEST_CASE("A key written after a moment reads as written since it; others do not", "[writes]") {
  write_marks m;
  m.note(1);
  auto seen = m.seq();
  CHECK_FALSE(m.written_since(1, seen));
  CHECK_FALSE(m.written_since(2, seen));
  m.note(2);
  CHECK(m.written_since(2, seen));
  CHECK_FALSE(m.written_since(1, seen));
  CHECK(m.written_since(1, 0)); // written before `seen` too
}

TEST_CASE("A flush reads as a write of every key", "[writes]") {
  write_marks m;
  auto seen = m.seq();
  m.note_all();
  for (uint64_t h : {0u, 7u, 4095u, 4096u, 123456789u})
    CHECK(m.written_since(h, seen));
  CHECK_FALSE(m.written_since(7, m.seq()));
}

TEST_CASE("Hashes that share a slot are written together: a fill is dropped, never kept wrong",
          "[writes]") {
  write_marks m;
  auto seen = m.seq();
  m.note(5);
  CHECK(m.written_since(5 + 4096, seen)); // the cost of 32 KiB: a spare miss, not a stale value
}

TEST_CASE("The store marks puts, erases, expires and clears, and not reads or fills", "[writes]") {
  ac::manual_clock clock;
  ac::cache_store store{{}, clock};
  auto h = ac::key_hash("k");
  auto seen = store.write_seq();
  store.get("k", h);
  store.pttl("k", h);
  REQUIRE(store.fill("k", h, "loaded", std::chrono::seconds{0}));
  CHECK(store.get("k", h).value == "loaded");
  CHECK_FALSE(store.written_since(h, seen));
  store.note_write(h); // a write on its way (a put waiting for Redis)
  CHECK(store.written_since(h, seen));
  seen = store.write_seq();
  store.put("k", h, "v", std::chrono::seconds{0});
  CHECK(store.written_since(h, seen));
  for (auto write : {0, 1, 2}) {
    seen = store.write_seq();
    if (write == 0)
      store.expire("k", h, std::chrono::milliseconds{5000});
    else if (write == 1)
      store.erase("k", h);
    else
      store.clear();
    CHECK(store.written_since(h, seen));
  }
}

TEST_CASE("Dropping an entry whose key moved away is no write: a load in flight stays good",
          "[writes]") {
  ac::manual_clock clock;
  ac::cache_store store{{}, clock};
  auto h = ac::key_hash("moved");
  REQUIRE(store.put("moved", h, "v", std::chrono::seconds{0}));
  auto seen = store.write_seq();
  CHECK(store.drop("moved", h));
  CHECK_FALSE(store.drop("moved", h));
  CHECK_FALSE(store.get("moved", h).found);
  CHECK(store.write_seq() == seen);
  CHECK_FALSE(store.written_since(h, seen));
  CHECK(store.counters().erases == 1);
}
