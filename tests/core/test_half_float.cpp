// binary16 bit patterns read as the numbers numpy gives for them.
#include <catch2/catch.hpp>

#include <cmath>

#include "core/half_float.hpp"

using ac::half_to_double;

TEST_CASE("Normal, subnormal, largest and signed halves read exactly") {
  CHECK(half_to_double(0x3c00) == 1.0);
  CHECK(half_to_double(0xc000) == -2.0);
  CHECK(half_to_double(0x3555) == 0.333251953125);
  CHECK(half_to_double(0x7bff) == 65504.0);
  CHECK(half_to_double(0x0001) == std::ldexp(1.0, -24));
  CHECK(half_to_double(0x0000) == 0.0);
  CHECK(std::signbit(half_to_double(0x8000)));
}

TEST_CASE("Infinities and NaN keep their meaning") {
  CHECK(half_to_double(0x7c00) == INFINITY);
  CHECK(half_to_double(0xfc00) == -INFINITY);
  CHECK(std::isnan(half_to_double(0x7e00)));
}
