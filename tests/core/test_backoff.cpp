// Tests for exponential backoff with full jitter.
#include <catch2/catch.hpp>

#include "core/backoff.hpp"

using namespace ac;
using namespace std::chrono_literals;

TEST_CASE("delays stay under a ceiling that doubles up to the maximum") {
  backoff b({50ms, 2000ms, 2.0}, 1);
  const std::chrono::milliseconds ceilings[] = {50ms,  100ms,  200ms,  400ms,
                                                800ms, 1600ms, 2000ms, 2000ms};
  for (auto c : ceilings) {
    CHECK(b.ceiling() == c);
    auto d = b.next();
    CHECK(d >= 0ms);
    CHECK(d <= c);
  }
  CHECK(b.attempts() == 8);
}

TEST_CASE("reset starts again from the initial ceiling") {
  backoff b({}, 1);
  for (int i = 0; i < 10; ++i)
    b.next();
  b.reset();
  CHECK(b.attempts() == 0);
  CHECK(b.ceiling() == 50ms);
  CHECK(b.next() <= 50ms);
}

TEST_CASE("the same seed gives the same delays and another seed differs") {
  backoff a({10ms, 100000ms, 2.0}, 7), b({10ms, 100000ms, 2.0}, 7), c({10ms, 100000ms, 2.0}, 8);
  bool differs = false;
  for (int i = 0; i < 12; ++i) {
    auto x = a.next();
    CHECK(x == b.next());
    differs |= x != c.next();
  }
  CHECK(differs);
}

TEST_CASE("jitter spreads delays over the whole range") {
  backoff b({1000ms, 1000ms, 2.0}, 3);
  int low = 0, high = 0;
  for (int i = 0; i < 1000; ++i) {
    auto d = b.next();
    low += d < 500ms;
    high += d >= 500ms;
  }
  CHECK(low > 400);
  CHECK(high > 400);
}

TEST_CASE("many attempts never overflow the ceiling") {
  backoff b({50ms, 2000ms, 10.0}, 1);
  for (int i = 0; i < 5000; ++i)
    REQUIRE(b.next() <= 2000ms);
}
