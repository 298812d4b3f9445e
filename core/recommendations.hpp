// Rules that turn cache health numbers into advice for operators, plus memory-usage history.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace ac {

/// A snapshot the metrics actor computes over its last window (rates in 0..1).
struct health_sample {
  double hit_rate = 1;       // hits / lookups
  double miss_rate = 0;      // misses / lookups
  double error_rate = 0;     // failed lookups / lookups
  double avg_latency_ms = 0; // mean lookup latency
  double usage_ratio = 0;    // bytes used / capacity
  uint64_t lookups = 0;      // lookups in the window; hit-rate advice needs enough of them
};

/// Thresholds of the original service; each advice is one sentence that names the number.
/// Pure: the metrics actor calls it on every report, the console prints the result.
std::vector<std::string> recommend(const health_sample& s);

/// One memory-usage observation (the sizing supervisor pushes one per tick).
struct usage_sample {
  uint64_t timestamp_ms = 0;   // monotonic milliseconds
  uint64_t bytes = 0;          // L1 bytes in use
  uint64_t entries = 0;        // L1 entries
  uint64_t capacity_bytes = 0; // byte budget at that time
};

/// The last `limit` usage samples in a ring, so the console can show a short history and
/// a growth trend without unbounded memory. Not thread-safe: one actor owns it.
class usage_history {
public:
  explicit usage_history(size_t limit = 100);

  /// Appends; when full, the oldest sample is dropped.
  void push(const usage_sample& s);

  /// Oldest first.
  std::vector<usage_sample> samples() const;

  size_t size() const { return size_; }

  /// Least-squares slope of bytes over time, in bytes per minute; 0 with fewer than two
  /// samples or when they all share one timestamp.
  double trend_bytes_per_minute() const;

private:
  std::vector<usage_sample> ring_;
  size_t next_ = 0; // slot the next push writes
  size_t size_ = 0;
};

} // namespace ac
