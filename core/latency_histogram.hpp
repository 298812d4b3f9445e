// Log-linear latency histogram (microseconds) that actors keep locally and metrics merges.
#pragma once

#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

namespace ac {

/// HDR-style histogram: values below 64 us are exact; above, every power of two is split
/// into 32 equal sub-buckets, so a bucket is at most 1/32 of its lower bound wide and a
/// reported percentile (bucket midpoint) is within ~1.6% of the true value. Values above
/// max_trackable_us (~134 s) are clamped into the last bucket; sum() and max() stay exact.
///
/// Not thread-safe: one actor owns one histogram; metrics receives copies (buckets(),
/// sum(), max() travel in messages and come back through from_buckets()).
class latency_histogram {
public:
  /// Largest value kept in its own bucket; larger ones land in the last bucket.
  static constexpr uint64_t max_trackable_us = (uint64_t{1} << 27) - 1;

  latency_histogram();

  void record(uint64_t us, uint64_t n = 1);
  uint64_t count() const { return count_; }
  uint64_t sum() const { return sum_; }
  double mean() const;
  /// q in [0,1] (clamped). 0 when empty. q = 1 returns max() exactly.
  uint64_t percentile(double q) const;
  uint64_t max() const { return max_; }
  void merge(const latency_histogram& other);
  void reset();
  const std::vector<uint64_t>& buckets() const { return buckets_; }

  /// Rebuilds a histogram shipped as buckets. A vector of the wrong length (another
  /// version) is padded with zeros or folded into the last bucket rather than rejected.
  static latency_histogram from_buckets(std::vector<uint64_t> buckets, uint64_t sum, uint64_t max);

  /// For a Prometheus histogram: for each bound (seconds, ascending) the number of values
  /// in buckets lying entirely at or below it. The caller adds the +Inf bucket (= count()).
  std::vector<std::pair<double, uint64_t>> cumulative(
    const std::vector<double>& bounds_seconds) const;

  // Bucket geometry, public for tests and exporters.
  static size_t bucket_count();
  static size_t index_of(uint64_t us);
  static uint64_t lower_bound_of(size_t index);
  static uint64_t upper_bound_of(size_t index); // inclusive

private:
  std::vector<uint64_t> buckets_;
  uint64_t count_ = 0;
  uint64_t sum_ = 0;
  uint64_t max_ = 0;
};

} // namespace ac
