// Lifetime counters turned into "what happened over the last minute": the base of rates, percentiles and advice.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <vector>

namespace ac {

/// A node's lifetime counters at one moment (what its report totals and merged latency say).
struct counters_at {
  uint64_t time_ms = 0;                  ///< monotonic milliseconds
  std::map<std::string, double> values;  ///< lifetime counters by name (hits, misses, errors, ...)
  std::vector<uint64_t> latency_buckets; ///< latency_histogram::buckets() of lookups
  uint64_t latency_sum_us = 0;
  uint64_t latency_max_us = 0; ///< lifetime maximum (a bound for the window's percentiles)
};

/// Keeps snapshots of lifetime counters so that a report can say what happened within the
/// last `span_ms` (the original note's advice looked at the last 1,000 operations, which on a
/// busy node is a few milliseconds and on an idle one last week). Lifetime counters stay
/// where they are; only differences are taken here. A counter that went down (a restarted
/// shard starts from 0) counts from 0 again, never negative. Not thread-safe: one owner.
class recent_window {
public:
  explicit recent_window(uint64_t span_ms = 60000) : span_ms_(span_ms) {}

  /// Adds a snapshot (the metrics actor pushes one per tick, and one of zeros at start, so a
  /// node younger than the span reports its whole life). Older snapshots are dropped once a
  /// newer one is at least span_ms old.
  void push(counters_at s);

  /// `now` minus the base: the newest snapshot at least span_ms older than `now`, or the
  /// oldest kept. time_ms of the result is the length of the window; empty base: `now` itself.
  counters_at since_base(const counters_at& now) const;

  void set_span(uint64_t span_ms) { span_ms_ = span_ms; }
  uint64_t span_ms() const { return span_ms_; }
  size_t size() const { return kept_.size(); }

private:
  uint64_t span_ms_;
  std::deque<counters_at> kept_;
};

} // namespace ac
