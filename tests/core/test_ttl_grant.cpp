// Tests for the TTL a value from L2 or a previous owner gets in L1, with clocks that are off.
#include <catch2/catch.hpp>

#include "core/ttl_clock.hpp"
#include "core/ttl_grant.hpp"

#include <limits>

using namespace ac;
using namespace std::chrono_literals;

namespace {

constexpr int64_t minute_ms = 60'000;
constexpr int64_t t0 = 1'700'000'000'000; // the writer's wall clock when it stamped the Entry

/// An Entry of `ttl` seconds written at t0, read by a node whose wall clock is `skew_ms` off,
/// `age_ms` after it was written, with `left_ms` from the source.
ttl_facts read_later(uint32_t ttl, int64_t age_ms, int64_t skew_ms, int64_t left_ms) {
  return ttl_facts{left_ms, ttl, t0, t0 + age_ms + skew_ms};
}

} // namespace

TEST_CASE("a value read from L2 keeps the time Redis says it has left, whatever the clocks say") {
  for (int64_t skew : {-10 * minute_ms, int64_t{0}, 10 * minute_ms}) {
    INFO("reader's clock off by " << skew << " ms");
    // One second less than Redis's word: L1 rounds its deadline up by up to a second, and
    // the copy must end no later than Redis's.
    CHECK(l1_ttl(read_later(300, 100'000, skew, 200'000)) == 199s);
    CHECK(l1_ttl(read_later(3, 100, skew, 2'900)) == 1s);
  }
}

TEST_CASE("a relative TTL beyond the Entry's lifetime is the source's word, as after EXPIRE") {
  // EXPIRE gives L1 and Redis a new TTL but leaves the Entry as written.
  CHECK(l1_ttl(read_later(3, 0, 0, 600'000)) == 599s);
  // An Entry without a lifetime takes the source's word.
  CHECK(l1_ttl(read_later(0, 0, 0, 42'000)) == 41s);
}

TEST_CASE("a value with under two seconds left, or already gone at its source, is not kept in L1") {
  CHECK(l1_ttl(read_later(3, 2'500, 0, 500)) == std::nullopt);
  CHECK(l1_ttl(read_later(3, 2'999, 0, 0)) == std::nullopt);
  CHECK(l1_ttl(read_later(3, 1'001, 0, 1'999)) == std::nullopt);
  CHECK(l1_ttl(read_later(3, 1'000, 0, 2'000)) == 1s);
  CHECK(l1_ttl(read_later(3, 1'000, 0, ttl_left::gone)) == std::nullopt);
  // nullopt, not 0 s: 0 s would mean L1's default TTL, minutes instead of nothing.
  CHECK(l1_ttl(read_later(0, 0, 0, ttl_left::gone)) == std::nullopt);
}

TEST_CASE("a value without an expiry anywhere gets L1's default TTL") {
  CHECK(l1_ttl(read_later(0, 5'000, 0, ttl_left::never)) == 0s);
  CHECK(l1_ttl(read_later(0, 5'000, 10 * minute_ms, ttl_left::unknown)) == 0s);
}

TEST_CASE(
  "without a relative TTL, a reader whose clock is behind never keeps a value past its "
  "Entry TTL") {
  // 1 s after a 3 s value was written, read by a node 10 minutes behind: the wall-clock
  // difference says 10 min 2 s are left; the Entry allows 3 s from creation at most.
  auto got = l1_ttl(read_later(3, 1'000, -10 * minute_ms, ttl_left::unknown));
  REQUIRE(got.has_value());
  CHECK(*got < 3s);
  CHECK(*got == 2s); // the Entry's 3 s, less L1's rounding second
  // The same behind clock with a source that does know: what the source says (less rounding).
  CHECK(l1_ttl(read_later(3, 1'000, -10 * minute_ms, 2'000)) == 1s);
  // A clock that is behind cannot revive an expired value by more than the Entry's lifetime,
  // and one read long after expiry with Redis's word is simply not kept.
  CHECK(l1_ttl(read_later(3, 9'000, -10 * minute_ms, ttl_left::unknown)) <= 3s);
  CHECK(l1_ttl(read_later(3, 9'000, -10 * minute_ms, ttl_left::gone)) == std::nullopt);
}

TEST_CASE(
  "without a relative TTL, a reader whose clock is ahead drops the value early, never late") {
  CHECK(l1_ttl(read_later(3, 1'000, 10 * minute_ms, ttl_left::unknown)) == std::nullopt);
  // A synchronized clock keeps the estimate.
  CHECK(l1_ttl(read_later(300, 100'000, 0, ttl_left::unknown)) == 199s);
}

TEST_CASE("untrusted stamps at the ends of the int64 range neither overflow nor extend a value") {
  const int64_t big = std::numeric_limits<int64_t>::max();
  const int64_t small = std::numeric_limits<int64_t>::min();
  CHECK(l1_ttl(ttl_facts{ttl_left::unknown, 3, big, small}) == 2s);
  CHECK(l1_ttl(ttl_facts{ttl_left::unknown, 3, small, big}) == std::nullopt);
  CHECK(l1_ttl(ttl_facts{big, 3, 0, 0}) == std::chrono::seconds{big / 1000 - 1});
  CHECK(l1_ttl(ttl_facts{big, 0, 0, 0}) == std::chrono::seconds{big / 1000 - 1});
}

TEST_CASE("an injected wall-clock skew moves unix_ms and nothing monotonic") {
  system_clock_source mono;
  auto before_wall = unix_ms();
  auto before_mono = mono.now();
  set_wall_clock_skew(std::chrono::minutes{-10});
  auto skewed = unix_ms();
  auto after_mono = mono.now();
  set_wall_clock_skew(0ms);
  auto after_wall = unix_ms();
  CHECK(wall_clock_skew() == 0ms);
  CHECK(skewed - before_wall == Approx(-10 * minute_ms).margin(2'000));
  CHECK(after_wall - skewed == Approx(10 * minute_ms).margin(2'000));
  CHECK(after_mono >= before_mono);
  CHECK(after_mono - before_mono < 2s);
  // The facts built from a skewed clock feed the pure function like any other.
  set_wall_clock_skew(std::chrono::minutes{10});
  auto ahead = unix_ms();
  set_wall_clock_skew(0ms);
  CHECK(l1_ttl(ttl_facts{ttl_left::unknown, 3, unix_ms(), ahead}) == std::nullopt);
}
