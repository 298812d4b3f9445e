// IEEE 754 binary16 ("float16", numpy's float16) read as a double: subnormals, infinities, NaN.
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>

namespace ac {

/// The value of the binary16 bit pattern `h`; exact (every half is a float and a double).
inline double half_to_double(uint16_t h) {
  int exp = (h >> 10) & 0x1f;
  int mant = h & 0x3ff;
  double v;
  if (exp == 0)
    v = std::ldexp(mant, -24);
  else if (exp == 31)
    v = mant ? std::numeric_limits<double>::quiet_NaN() : std::numeric_limits<double>::infinity();
  else
    v = std::ldexp(mant + 1024, exp - 25);
  return (h & 0x8000) ? -v : v;
}

} // namespace ac
