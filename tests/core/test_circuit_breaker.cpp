// Tests for the circuit breaker state machine driven by an explicit clock.
#include <catch2/catch.hpp>

#include "core/circuit_breaker.hpp"

using namespace ac;
using namespace std::chrono_literals;

namespace {

const circuit_breaker::time_point t0{};

/// A breaker that opens on one failure for 1000 ms, opened by a failure at t0.
circuit_breaker opened_at_t0() {
  circuit_breaker b({1, 1000ms});
  b.on_failure(t0);
  return b;
}

} // namespace

TEST_CASE("state names match what stats --json reports") {
  CHECK(to_string(breaker_state::closed) == "closed");
  CHECK(to_string(breaker_state::open) == "open");
  CHECK(to_string(breaker_state::half_open) == "half-open");
}

TEST_CASE("the breaker opens after the threshold of consecutive failures") {
  circuit_breaker b({3, 1000ms});
  for (int i = 0; i < 2; ++i) {
    REQUIRE(b.allow(t0));
    b.on_failure(t0);
  }
  CHECK(b.state(t0) == breaker_state::closed);
  b.on_failure(t0);
  CHECK(b.state(t0) == breaker_state::open);
  CHECK(b.opened_count() == 1);
  CHECK_FALSE(b.allow(t0 + 999ms));
}

TEST_CASE("a success resets the consecutive failure count") {
  circuit_breaker b({3, 1000ms});
  b.on_failure(t0);
  b.on_failure(t0);
  b.on_success(t0);
  b.on_failure(t0);
  b.on_failure(t0);
  CHECK(b.state(t0) == breaker_state::closed);
}

TEST_CASE("after open_for exactly one probe is allowed") {
  auto b = opened_at_t0();
  CHECK(b.state(t0 + 1000ms) == breaker_state::half_open);
  CHECK(b.allow(t0 + 1000ms));
  CHECK_FALSE(b.allow(t0 + 1001ms));
  CHECK_FALSE(b.allow(t0 + 5000ms));
  CHECK(b.state(t0 + 5000ms) == breaker_state::half_open);
}

TEST_CASE("a successful probe closes the breaker") {
  auto b = opened_at_t0();
  REQUIRE(b.allow(t0 + 1s));
  b.on_success(t0 + 1s);
  CHECK(b.state(t0 + 1s) == breaker_state::closed);
  CHECK(b.allow(t0 + 1s));
  CHECK(b.allow(t0 + 1s));
}

TEST_CASE("a failed probe reopens the breaker for another full period") {
  auto b = opened_at_t0();
  REQUIRE(b.allow(t0 + 1500ms));
  b.on_failure(t0 + 1500ms);
  CHECK(b.opened_count() == 2);
  CHECK(b.state(t0 + 2000ms) == breaker_state::open);
  CHECK_FALSE(b.allow(t0 + 2499ms));
  CHECK(b.allow(t0 + 2500ms));
}

TEST_CASE("late replies while open neither close it nor extend it") {
  auto b = opened_at_t0();
  b.on_success(t0 + 100ms);
  CHECK(b.state(t0 + 100ms) == breaker_state::open);
  b.on_failure(t0 + 900ms);
  CHECK(b.opened_count() == 1);
  CHECK(b.allow(t0 + 1000ms));
}
