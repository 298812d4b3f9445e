// The one assertion fuzz targets use: a broken invariant traps, and libFuzzer keeps the input.
#pragma once

namespace ac::fuzz {

inline void check(bool ok) {
  if (!ok)
    __builtin_trap();
}

} // namespace ac::fuzz
