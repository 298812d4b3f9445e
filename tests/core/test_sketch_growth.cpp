// The frequency sketch grows with a store's entries and keeps every count it had.
#include <catch2/catch.hpp>

#include <vector>

#include "core/frequency_sketch.hpp"

using ac::frequency_sketch;

TEST_CASE("A grown sketch answers every id's frequency as it did before growing", "[sketch]") {
  frequency_sketch s(1024, 7);
  for (uint64_t id = 0; id < 3000; ++id)
    for (uint64_t i = 0; i < id % 9; ++i)
      s.increment(id);
  std::vector<uint32_t> before;
  for (uint64_t id = 0; id < 6000; ++id) // counted ids and never-seen ones
    before.push_back(s.frequency(id));
  s.grow();
  CHECK(s.expected_entries() == 2048);
  CHECK(s.sample_size() == 20480);
  for (uint64_t id = 0; id < 6000; ++id) {
    INFO("id " << id);
    REQUIRE(s.frequency(id) == before[id]);
  }
}

TEST_CASE("After growing, new counts separate ids that shared counters before", "[sketch]") {
  frequency_sketch s(16, 3);
  s.grow();
  s.grow();
  CHECK(s.expected_entries() == 64);
  for (uint64_t id = 0; id < 64; ++id)
    s.increment(id);
  int over = 0;
  for (uint64_t id = 0; id < 64; ++id) {
    REQUIRE(s.frequency(id) >= 1);
    over += s.frequency(id) > 1;
  }
  CHECK(over < 8); // 16 counters per expected entry: few collisions at the grown size
}
