// Recommendation thresholds and the usage-history ring.
#include "recommendations.hpp"

#include <cstdio>

namespace ac {

namespace {

// Below this many lookups a hit rate says more about warm-up than about the cache
// (a fresh node starts at 0%), so advising a larger cache would be noise.
constexpr uint64_t min_lookups_for_hit_rate = 100;

std::string format(const char* fmt, double value) {
  char buf[200];
  std::snprintf(buf, sizeof(buf), fmt, value);
  return buf;
}

} // namespace

std::vector<std::string> recommend(const health_sample& s) {
  std::vector<std::string> out;
  if (s.lookups >= min_lookups_for_hit_rate && s.hit_rate < 0.8)
    out.push_back(format("Hit rate is %.1f%% (below 80%%): consider a larger cache "
                         "(cache.max-bytes) or better keys.",
                         s.hit_rate * 100));
  if (s.avg_latency_ms > 10)
    out.push_back(format("Average latency is %.1f ms (above 10 ms): investigate slow "
                         "computes, Redis round trips or overloaded shards.",
                         s.avg_latency_ms));
  if (s.error_rate > 0.01)
    out.push_back(format("Error rate is %.2f%% (above 1%%): check connectivity to Redis "
                         "and to peer nodes.",
                         s.error_rate * 100));
  if (s.usage_ratio > 0.9)
    out.push_back(format("Memory usage is %.0f%% of capacity, near capacity: raise "
                         "cache.max-bytes or expect evictions.",
                         s.usage_ratio * 100));
  else if (s.usage_ratio > 0.75)
    out.push_back(format("Memory usage is %.0f%% of capacity, usage high: watch evictions.",
                         s.usage_ratio * 100));
  else if (s.usage_ratio < 0.25)
    out.push_back(format("Memory usage is %.0f%% of capacity, usage low: cache.max-bytes "
                         "could shrink.",
                         s.usage_ratio * 100));
  return out;
}

usage_history::usage_history(size_t limit) : ring_(limit == 0 ? 1 : limit) {}

void usage_history::push(const usage_sample& s) {
  ring_[next_] = s;
  next_ = (next_ + 1) % ring_.size();
  if (size_ < ring_.size())
    ++size_;
}

std::vector<usage_sample> usage_history::samples() const {
  std::vector<usage_sample> out;
  out.reserve(size_);
  size_t start = (next_ + ring_.size() - size_) % ring_.size();
  for (size_t i = 0; i < size_; ++i)
    out.push_back(ring_[(start + i) % ring_.size()]);
  return out;
}

double usage_history::trend_bytes_per_minute() const {
  if (size_ < 2)
    return 0;
  auto xs = samples();
  // Centre on the first sample so the sums stay small and exact-ish in double.
  const double t0 = static_cast<double>(xs.front().timestamp_ms);
  double mt = 0, mb = 0;
  for (auto& x : xs) {
    mt += static_cast<double>(x.timestamp_ms) - t0;
    mb += static_cast<double>(x.bytes);
  }
  const double n = static_cast<double>(xs.size());
  mt /= n;
  mb /= n;
  double cov = 0, var = 0;
  for (auto& x : xs) {
    double dt = static_cast<double>(x.timestamp_ms) - t0 - mt;
    cov += dt * (static_cast<double>(x.bytes) - mb);
    var += dt * dt;
  }
  if (var == 0)
    return 0;
  return cov / var * 60000.0; // bytes per ms -> bytes per minute
}

} // namespace ac
