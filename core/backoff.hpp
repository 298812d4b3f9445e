// Exponential backoff with full jitter for reconnects (Redis, peers).
#pragma once

#include <chrono>
#include <cstdint>

namespace ac {

struct backoff_options {
  std::chrono::milliseconds initial{50}; // ceiling of the first delay
  std::chrono::milliseconds max{2000};   // the ceiling never grows beyond this
  double multiplier = 2.0;               // ceiling growth per attempt
};

/// next() returns a delay drawn uniformly from [0, min(max, initial * multiplier^attempts)]
/// ("full jitter"), so many nodes retrying the same server do not retry in lockstep.
/// Seeded: the same seed gives the same delays. Not thread-safe: one actor owns one.
class backoff {
public:
  backoff(backoff_options opts, uint64_t seed);

  /// The delay before the next attempt; counts the attempt.
  std::chrono::milliseconds next();

  /// Call after a success: the next failure starts from `initial` again.
  void reset() { attempts_ = 0; }

  uint32_t attempts() const { return attempts_; }

  /// The upper bound next() would draw from now.
  std::chrono::milliseconds ceiling() const;

private:
  backoff_options opts_;
  uint64_t state_;
  uint32_t attempts_ = 0;
};

} // namespace ac
