// Tests for Space-Saving heavy hitters: exact counts when small, hot keys under churn, decay.
#include <catch2/catch.hpp>

#include "core/heavy_hitters.hpp"

#include <random>

using namespace ac;

TEST_CASE("with fewer keys than counters the counts are exact") {
  heavy_hitters h(8);
  h.record("a", 5);
  h.record("b");
  h.record("a");
  auto t = h.top(10);
  REQUIRE(t.size() == 2);
  CHECK(t[0] == std::make_pair(std::string("a"), uint64_t{6}));
  CHECK(t[1] == std::make_pair(std::string("b"), uint64_t{1}));
  CHECK(h.is_hot("a", 6));
  CHECK_FALSE(h.is_hot("a", 7));
  CHECK_FALSE(h.is_hot("zzz", 0));
}

TEST_CASE("hot keys are found among many cold ones") {
  heavy_hitters h(16);
  std::mt19937_64 rng(5);
  for (int i = 0; i < 100000; ++i) {
    if (i % 10 == 0)
      h.record("hot1");
    else if (i % 10 == 1)
      h.record("hot2");
    else
      h.record("cold" + std::to_string(rng() % 50000));
  }
  auto t = h.top(2);
  REQUIRE(t.size() == 2);
  CHECK(((t[0].first == "hot1" && t[1].first == "hot2")
         || (t[0].first == "hot2" && t[1].first == "hot1")));
  // Counts never underestimate.
  CHECK(t[0].second >= 10000);
  CHECK(h.size() <= 16);
  CHECK_FALSE(h.is_hot("cold1", 1000));
}

TEST_CASE("a new key inherits the smallest count as its error") {
  heavy_hitters h(2);
  h.record("a", 10);
  h.record("b", 3);
  h.record("c"); // replaces b: count 4, guaranteed 1
  auto t = h.top(2);
  CHECK(t[1] == std::make_pair(std::string("c"), uint64_t{4}));
  CHECK(h.is_hot("c", 1));
  CHECK_FALSE(h.is_hot("c", 2));
}

TEST_CASE("decay halves counts and forgets keys that fall to zero") {
  heavy_hitters h(4);
  h.record("a", 8);
  h.record("b", 1);
  h.decay();
  auto t = h.top(4);
  REQUIRE(t.size() == 1);
  CHECK(t[0].second == 4);
  CHECK(h.size() == 1);
}

TEST_CASE("top of zero or on an empty tracker is empty") {
  heavy_hitters h;
  CHECK(h.top(5).empty());
  h.record("a");
  CHECK(h.top(0).empty());
}

TEST_CASE("a few thousand counters keep exactly the keys seen more than N over capacity") {
  // The guarantee warming relies on, at the size warming uses: every key with more than
  // N / capacity reads is tracked, whatever the order of the stream.
  heavy_hitters h(2048);
  std::mt19937_64 rng(11);
  std::vector<std::string> stream;
  for (int k = 0; k < 500; ++k)
    for (int r = 0; r < 200; ++r)
      stream.push_back("warm" + std::to_string(k));
  for (int i = 0; i < 200000; ++i)
    stream.push_back("cold" + std::to_string(rng() % 1000000));
  std::shuffle(stream.begin(), stream.end(), rng);
  for (auto& key : stream)
    h.record(key);
  CHECK(h.size() == 2048);
  // N = 300,000 reads over 2048 counters: anything above ~147 reads must be there.
  for (int k = 0; k < 500; ++k)
    CHECK(h.is_hot("warm" + std::to_string(k), 1));
  auto t = h.top(500);
  for (auto& [key, count] : t) {
    CHECK(key.rfind("warm", 0) == 0);
    CHECK(count >= 200); // counts never underestimate
  }
}

TEST_CASE("after a decay the smallest counter is still the one replaced") {
  heavy_hitters h(3);
  h.record("a", 40);
  h.record("b", 20);
  h.record("c", 6);
  h.decay();     // a 20, b 10, c 3
  h.record("d"); // replaces c: 4, error 3
  CHECK(h.is_hot("a", 20));
  CHECK(h.is_hot("b", 10));
  CHECK_FALSE(h.is_hot("c", 0));
  CHECK(h.is_hot("d", 1));
  CHECK_FALSE(h.is_hot("d", 2));
}

TEST_CASE("the count of a key is what top reports for it, and 0 for one not tracked") {
  heavy_hitters hh{4};
  hh.record("a", 16);
  hh.record("a", 16);
  hh.record("b", 16);
  CHECK(hh.count_of("a") == 32);
  CHECK(hh.count_of("b") == 16);
  CHECK(hh.count_of("never") == 0);
  hh.decay();
  CHECK(hh.count_of("a") == 16);
}
