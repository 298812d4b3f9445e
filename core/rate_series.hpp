// Per-interval rates and latency percentiles from successive snapshots of lifetime counters (the dashboard's charts).
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <vector>

namespace ac {

/// Lifetime counters of one node at one moment, as its report gives them.
struct counter_snapshot {
  uint64_t time_ms = 0; ///< monotonic milliseconds
  uint64_t hits = 0;
  uint64_t misses = 0;
  uint64_t computes = 0;
  std::vector<uint64_t> latency_buckets; ///< latency_histogram::buckets() of its lookups
};

/// What happened between two snapshots.
struct rate_point {
  uint64_t time_ms = 0; ///< end of the interval
  double hits_per_s = 0;
  double misses_per_s = 0;
  double computes_per_s = 0;
  uint64_t p50_us = 0; ///< of the lookups within the interval; 0 when there were none
  uint64_t p99_us = 0;
};

/// The last `limit` points of one node. Rates and percentiles come from the difference of
/// consecutive snapshots, so they describe the interval, not the node's whole life. A
/// counter that went down (a restarted shard starts from 0) counts from 0 again rather
/// than giving a negative rate. Not thread-safe: one owner.
class rate_series {
public:
  explicit rate_series(size_t limit = 180);

  /// Adds a snapshot; from the second one on, each adds a point. A snapshot not later than
  /// the previous one replaces it without a point.
  void push(const counter_snapshot& s);

  /// Oldest first.
  const std::deque<rate_point>& points() const { return points_; }

private:
  size_t limit_;
  bool have_last_ = false;
  counter_snapshot last_;
  std::deque<rate_point> points_;
};

} // namespace ac
