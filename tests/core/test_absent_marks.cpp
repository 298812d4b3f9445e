// The table of keys L2 answered it does not hold: deadlines, forgetting, its bound.
#include <catch2/catch.hpp>

#include "core/absent_marks.hpp"

using namespace ac;

TEST_CASE("A key marked absent reads as absent until its deadline, and not from then on",
          "[absent_marks]") {
  absent_marks m;
  CHECK_FALSE(m.holds(7, 0));
  m.note(7, 100);
  CHECK(m.holds(7, 0));
  CHECK(m.holds(7, 99));
  CHECK_FALSE(m.holds(7, 100));
  CHECK_FALSE(m.holds(8, 50)); // another key
  m.note(7, 300);              // marked again: the later deadline
  CHECK(m.holds(7, 200));
}

TEST_CASE("A key written or filled is no longer absent, and clear forgets every key",
          "[absent_marks]") {
  absent_marks m;
  m.note(1, 100);
  m.note(2, 100);
  m.forget(1);
  CHECK_FALSE(m.holds(1, 0));
  CHECK(m.holds(2, 0));
  m.forget(3); // never marked: nothing happens
  m.clear();
  CHECK_FALSE(m.holds(2, 0));
  CHECK(m.size() == 0);
}

TEST_CASE("A full table is cleared before a new key is marked, so it never grows past its bound",
          "[absent_marks]") {
  absent_marks m{3};
  for (uint64_t k = 0; k < 3; ++k)
    m.note(k, 100);
  CHECK(m.size() == 3);
  m.note(1, 200); // a key it holds: marked anew, nothing dropped
  CHECK(m.size() == 3);
  m.note(9, 100);
  CHECK(m.size() == 1);
  CHECK(m.holds(9, 0));
  CHECK_FALSE(m.holds(0, 0));
  absent_marks off{0};
  off.note(1, 100);
  CHECK_FALSE(off.holds(1, 0));
}

// -- in the store -------------------------------------------------------------------------------

#include "core/cache_store.hpp"
#include "core/key_normalization.hpp"

using namespace std::chrono_literals;

namespace {

/// A store on a clock the test moves.
struct marked_store {
  manual_clock clock;
  cache_store store{store_options{}, clock};
  static uint64_t h(const char* key) { return key_hash(key); }
};

} // namespace

TEST_CASE_METHOD(
  marked_store,
  "The store reads a key L2 said it lacks as absent for a while, and no longer once the "
  "key is put, filled or noted as written",
  "[absent_marks][store]") {
  for (const char* k : {"put", "filled", "written", "timed"})
    store.note_absent(k, h(k), store.write_seq(), 1000ms);
  CHECK(store.known_absent(h("timed")));
  CHECK_FALSE(store.known_absent(h("never-marked")));
  store.put("put", h("put"), "v", 0s);
  store.fill("filled", h("filled"), "v", 0s);
  store.note_write(h("written"));
  CHECK_FALSE(store.known_absent(h("put")));
  CHECK_FALSE(store.known_absent(h("filled")));
  CHECK_FALSE(store.known_absent(h("written")));
  // Evicted or deleted later, a key that was put is not "known absent" again.
  store.erase("put", h("put"));
  CHECK_FALSE(store.known_absent(h("put")));
  clock.advance(999ms);
  CHECK(store.known_absent(h("timed")));
  clock.advance(1ms);
  CHECK_FALSE(store.known_absent(h("timed")));
}

TEST_CASE_METHOD(
  marked_store,
  "An answer 'absent' from L2 is not taken for a key written since the read began, nor "
  "for one the store holds, nor with no time to keep it",
  "[absent_marks][store]") {
  auto before = store.write_seq();
  store.put("raced", h("raced"), "v", 0s);
  store.erase("raced", h("raced"));
  store.note_absent("raced", h("raced"), before, 1000ms);
  CHECK_FALSE(store.known_absent(h("raced")));
  store.put("held", h("held"), "v", 0s);
  store.note_absent("held", h("held"), store.write_seq(), 1000ms);
  CHECK_FALSE(store.known_absent(h("held")));
  store.note_absent("off", h("off"), store.write_seq(), 0ms);
  CHECK_FALSE(store.known_absent(h("off")));
  store.note_absent("flushed", h("flushed"), store.write_seq(), 1000ms);
  store.clear();
  CHECK_FALSE(store.known_absent(h("flushed")));
}

TEST_CASE_METHOD(marked_store,
                 "try_hit answers a key marked absent as a counted miss when asked to, and "
                 "leaves other misses to get()",
                 "[absent_marks][store]") {
  store.note_absent("marked", h("marked"), store.write_seq(), 1000ms);
  store.put("held", h("held"), "v", 0s);
  auto marked = store.try_hit("marked", h("marked"), false, true);
  CHECK(marked.absent);
  CHECK(store.counters().misses == 1);
  CHECK_FALSE(store.try_hit("marked", h("marked")).absent); // not asked to: left to get()
  CHECK_FALSE(store.try_hit("unmarked", h("unmarked"), false, true).absent);
  CHECK(store.counters().misses == 1);
  auto held = store.try_hit("held", h("held"), false, true);
  REQUIRE(held);
  CHECK(held.value == "v");
}
