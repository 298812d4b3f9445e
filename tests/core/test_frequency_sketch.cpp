// core/frequency_sketch: W-TinyLFU's count-min sketch of 4-bit counters and its halving.
#include <catch2/catch.hpp>

#include "core/frequency_sketch.hpp"

using namespace ac;

TEST_CASE("the sketch counts every access up to 15", "[sketch]") {
  frequency_sketch s(1000);
  REQUIRE(s.frequency(7) == 0);
  s.increment(7);
  REQUIRE(s.frequency(7) == 1);
  for (int i = 0; i < 5; ++i)
    s.increment(7);
  REQUIRE(s.frequency(7) == 6);
  for (int i = 0; i < 50; ++i)
    s.increment(7);
  REQUIRE(s.frequency(7) == 15); // 4-bit counters saturate
}

TEST_CASE("the sketch rarely over-counts unseen keys", "[sketch]") {
  frequency_sketch s(1000);
  for (uint64_t id = 0; id < 1000; ++id)
    for (int i = 0; i < 3; ++i)
      s.increment(id);
  int wrong = 0;
  for (uint64_t id = 1'000'000; id < 1'001'000; ++id)
    wrong += s.frequency(id) > 0;
  REQUIRE(wrong < 100); // < 10% false positives at 16 counters per entry
}

TEST_CASE("the sketch halves its counters after sample_size increments", "[sketch]") {
  frequency_sketch s(100);
  for (int i = 0; i < 10; ++i)
    s.increment(1);
  REQUIRE(s.frequency(1) == 10);
  while (s.resets() == 0)
    s.increment(2); // one other key, so no collision inflates key 1's counters
  REQUIRE(s.frequency(1) == 5);
  REQUIRE(s.frequency(2) == 7); // saturated at 15, then halved
}
