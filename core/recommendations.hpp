// Rules that turn cache health numbers into advice for operators, plus memory-usage history.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace ac {

/// What the metrics actor saw over its recent window (rates in 0..1, counts within the
/// window), plus the node's state now. Defaults describe a healthy, idle node.
struct health_sample {
  double hit_rate = 1;          // hits / lookups in the window
  double miss_rate = 0;         // misses / lookups in the window
  double error_rate = 0;        // error replies / lookups in the window
  double avg_latency_ms = 0;    // mean lookup latency in the window
  double usage_ratio = 0;       // bytes used / capacity, now
  uint64_t lookups = 0;         // lookups in the window; hit-rate advice needs enough of them
  uint64_t evictions = 0;       // L1 evictions in the window: the cache was too small for its keys
  uint64_t loader_failures = 0; // failed computes in the window (the loader, not Redis)
  uint64_t l2_errors = 0;       // failed Redis round trips in the window
  uint64_t l2_corrupt =
    0; // L2 entries that did not decode (corrupt or a newer version), in the window
  bool breaker_open = false;      // the Redis circuit breaker is open (or half-open) now
  uint64_t members_not_alive = 0; // cluster members suspect, down or left, now
  double window_s = 0;            // length of the window the rates describe (named in the advice)
};

/// Advice for operators, one sentence each, naming the number behind it. Pure: the metrics
/// actor calls it on every report. Rules never contradict each other: "larger cache" needs
/// evictions in the window, "could shrink" needs none and a healthy hit rate; error advice
/// names the source (loader, Redis, or peers) instead of blaming Redis for everything.
/// Where advice starts (options `recommendations.*`, reloaded on SIGHUP).
struct advice_thresholds {
  double min_hit_rate = 0.8;    ///< below: hit-rate advice
  double max_latency_ms = 10;   ///< above (mean): latency advice
  double max_error_rate = 0.01; ///< above: error advice, naming the source
  double high_usage = 0.9;      ///< above: near capacity
  double warn_usage = 0.75;     ///< above: usage high
  double low_usage = 0.25;      ///< below (busy, healthy, no evictions): could shrink

  bool operator==(const advice_thresholds& o) const {
    return min_hit_rate == o.min_hit_rate && max_latency_ms == o.max_latency_ms
           && max_error_rate == o.max_error_rate && high_usage == o.high_usage
           && warn_usage == o.warn_usage && low_usage == o.low_usage;
  }
  bool operator!=(const advice_thresholds& o) const { return !(*this == o); }
};

std::vector<std::string> recommend(const health_sample& s, const advice_thresholds& t = {});

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
