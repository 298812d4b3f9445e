// proc_samples.hpp: sample /proc texts shared by the parser tests (tests/core) and the file-reader tests (tests/io).
#pragma once

#include <cstdint>

namespace ac::test {

/// A /proc/meminfo excerpt: MemAvailable is 8,000,000 kB, the other fields are there to be skipped.
inline const char* const sample_meminfo =
  "MemTotal:       16314236 kB\n"
  "MemFree:          512000 kB\n"
  "MemAvailable:    8000000 kB\n"
  "Buffers:          100000 kB\n";

/// sample_meminfo's MemAvailable, in bytes.
inline constexpr uint64_t sample_meminfo_available = uint64_t{8000000} * 1024;

} // namespace ac::test
