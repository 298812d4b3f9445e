// Tests for the clock sources: the manual clock moves only when told to.
#include <catch2/catch.hpp>

#include "core/ttl_clock.hpp"

#include <memory>

using namespace ac;
using namespace std::chrono_literals;

TEST_CASE("a manual clock stands still until advanced or set") {
  manual_clock c;
  const auto start = c.now();
  CHECK(c.now() == start);
  c.advance(1500ms);
  CHECK(c.now() - start == 1500ms);
  c.set(start + 10s);
  CHECK(c.now() == start + 10s);
}

TEST_CASE("a manual clock can start at a given point and be used through the interface") {
  const auto t = ac_clock::time_point{} + 42s;
  std::unique_ptr<clock_source> c = std::make_unique<manual_clock>(t);
  CHECK(c->now() == t);
}

TEST_CASE("the system clock source never goes backwards") {
  system_clock_source c;
  auto a = c.now();
  auto b = c.now();
  CHECK(b >= a);
}

TEST_CASE("steady_ms is the monotonic clock in milliseconds") {
  auto before =
    std::chrono::duration_cast<std::chrono::milliseconds>(ac::ac_clock::now().time_since_epoch())
      .count();
  auto ms = ac::steady_ms();
  auto after =
    std::chrono::duration_cast<std::chrono::milliseconds>(ac::ac_clock::now().time_since_epoch())
      .count();
  CHECK(ms >= before);
  CHECK(ms <= after);
  CHECK(ac::steady_ms() >= ms);
}
