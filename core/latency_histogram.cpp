// Log-linear latency histogram: bucket geometry, percentiles, merging, Prometheus export.
#include "core/latency_histogram.hpp"

#include <algorithm>
#include <cmath>

namespace ac {

namespace {

constexpr unsigned sub_bits = 5; // 32 sub-buckets per octave
constexpr uint64_t sub_count = uint64_t{1} << sub_bits;
constexpr uint64_t exact_limit = sub_count * 2; // values < 64 get their own bucket

unsigned msb(uint64_t v) { return 63u - static_cast<unsigned>(__builtin_clzll(v)); }

} // namespace

size_t latency_histogram::index_of(uint64_t us) {
  us = std::min(us, max_trackable_us);
  if (us < exact_limit)
    return static_cast<size_t>(us);
  unsigned e = msb(us);          // >= sub_bits + 1
  unsigned shift = e - sub_bits; // keeps the top sub_bits+1 bits
  uint64_t sub = (us >> shift) - sub_count;
  return static_cast<size_t>(exact_limit + (e - sub_bits - 1) * sub_count + sub);
}

uint64_t latency_histogram::lower_bound_of(size_t index) {
  if (index < exact_limit)
    return index;
  uint64_t k = index - exact_limit;
  unsigned e = static_cast<unsigned>(k / sub_count) + sub_bits + 1;
  uint64_t sub = k % sub_count;
  return (sub_count + sub) << (e - sub_bits);
}

uint64_t latency_histogram::upper_bound_of(size_t index) {
  if (index < exact_limit)
    return index;
  return lower_bound_of(index + 1) - 1;
}

size_t latency_histogram::bucket_count() { return index_of(max_trackable_us) + 1; }

latency_histogram::latency_histogram() : buckets_(bucket_count(), 0) {}

void latency_histogram::record(uint64_t us, uint64_t n) {
  if (n == 0)
    return;
  buckets_[index_of(us)] += n;
  count_ += n;
  sum_ += us * n;
  max_ = std::max(max_, us);
}

double latency_histogram::mean() const {
  return count_ == 0 ? 0.0 : static_cast<double>(sum_) / static_cast<double>(count_);
}

uint64_t latency_histogram::percentile(double q) const {
  if (count_ == 0)
    return 0;
  q = std::clamp(q, 0.0, 1.0);
  if (q >= 1.0)
    return max_;
  // Nearest-rank: the smallest value with at least ceil(q*count) values at or below it.
  auto rank = static_cast<uint64_t>(std::ceil(q * static_cast<double>(count_)));
  rank = std::max<uint64_t>(rank, 1);
  uint64_t seen = 0;
  for (size_t i = 0; i < buckets_.size(); ++i) {
    seen += buckets_[i];
    if (seen >= rank) {
      uint64_t lo = lower_bound_of(i);
      uint64_t mid = lo + (upper_bound_of(i) - lo) / 2;
      return std::min(mid, max_); // never report beyond what was seen
    }
  }
  return max_;
}

void latency_histogram::merge(const latency_histogram& other) {
  for (size_t i = 0; i < buckets_.size(); ++i)
    buckets_[i] += other.buckets_[i];
  count_ += other.count_;
  sum_ += other.sum_;
  max_ = std::max(max_, other.max_);
}

void latency_histogram::reset() {
  std::fill(buckets_.begin(), buckets_.end(), 0);
  count_ = sum_ = max_ = 0;
}

latency_histogram latency_histogram::from_buckets(std::vector<uint64_t> buckets, uint64_t sum,
                                                  uint64_t max) {
  latency_histogram h;
  const size_t n = h.buckets_.size();
  for (size_t i = 0; i < buckets.size(); ++i)
    h.buckets_[std::min(i, n - 1)] += buckets[i];
  for (auto b : h.buckets_)
    h.count_ += b;
  h.sum_ = sum;
  h.max_ = max;
  return h;
}

std::vector<std::pair<double, uint64_t>> latency_histogram::cumulative(
  const std::vector<double>& bounds_seconds) const {
  std::vector<std::pair<double, uint64_t>> out;
  out.reserve(bounds_seconds.size());
  size_t i = 0;
  uint64_t acc = 0;
  for (double bound : bounds_seconds) {
    double bound_us = bound * 1e6;
    while (i < buckets_.size() && static_cast<double>(upper_bound_of(i)) <= bound_us)
      acc += buckets_[i++];
    out.emplace_back(bound, acc);
  }
  return out;
}

} // namespace ac
