// Recommendation thresholds and the usage-history ring.
#include "core/recommendations.hpp"

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

std::string format(const char* fmt, double value, double threshold) {
  char buf[200];
  std::snprintf(buf, sizeof(buf), fmt, value, threshold);
  return buf;
}

std::string window_text(const health_sample& s) {
  if (s.window_s <= 0)
    return "";
  return format(" over the last %.0f s", s.window_s);
}

std::string count_text(uint64_t n, const char* one, const char* many) {
  return std::to_string(n) + " " + (n == 1 ? one : many);
}

} // namespace

// Long on purpose: one rule per recommendation, each a condition and its advice, read as one list.
std::vector<std::string> recommend(const health_sample& s, const advice_thresholds& t) {
  std::vector<std::string> out;
  const auto window = window_text(s);
  const bool hit_rate_low = s.lookups >= min_lookups_for_hit_rate && s.hit_rate < t.min_hit_rate;
  // Only evictions say the cache is too small; without them the misses are first reads or
  // expirations, and a larger cache would change nothing (it would sit empty).
  if (hit_rate_low && s.evictions > 0)
    out.push_back(
      format("Hit rate is %.1f%% (below %.0f%%)", s.hit_rate * 100, t.min_hit_rate * 100) + window
      + " with " + count_text(s.evictions, "eviction", "evictions")
      + ": consider a larger cache (cache.max-bytes) or better keys.");
  else if (hit_rate_low)
    out.push_back(format("Hit rate is %.1f%% (below %.0f%%)", s.hit_rate * 100, t.min_hit_rate * 100) + window
                  + " with no evictions: the cache is not too small; the misses are first reads "
                    "or expired entries (cache.default-ttl, cache.refresh-ahead).");
  if (s.avg_latency_ms > t.max_latency_ms)
    out.push_back(
      format("Average latency is %.1f ms (above %g ms)", s.avg_latency_ms, t.max_latency_ms)
      + window + ": investigate slow computes, Redis round trips or overloaded shards.");
  if (s.error_rate > t.max_error_rate) {
    // Name the source that failed: a loader failure is not Redis's fault.
    std::string why;
    auto add = [&](const std::string& part) { why += (why.empty() ? "" : "; ") + part; };
    if (s.loader_failures > 0)
      add(count_text(s.loader_failures, "failed compute", "failed computes")
          + ": check the loader (loader.kind, its service)");
    if (s.l2_errors > 0)
      add(count_text(s.l2_errors, "failed Redis round trip", "failed Redis round trips")
          + ": check Redis (redis.host, redis.port)");
    if (why.empty())
      why = "check the requests refused (bad keys or values, overload) and the peer nodes";
    out.push_back(
      format("Error rate is %.2f%% (above %g%%)", s.error_rate * 100, t.max_error_rate * 100)
      + window + ": " + why + ".");
  }
  if (s.breaker_open)
    out.push_back(
      "The Redis circuit breaker is open: L2 is skipped and every miss goes to the "
      "loader; check Redis (redis.host, redis.port) and its logs.");
  if (s.members_not_alive > 0)
    out.push_back(count_text(s.members_not_alive, "cluster member is", "cluster members are")
                  + " not alive: its keys moved to the others; restart it, or "
                    "`actorcache-console members remove ID` once it is gone for good.");
  if (s.l2_corrupt > 0)
    out.push_back(count_text(s.l2_corrupt, "L2 entry", "L2 entries") + window
                  + " did not decode (corrupt, or written by a newer actorcache): check what else "
                    "writes under redis.key-prefix, or upgrade this node.");
  if (s.usage_ratio > t.high_usage)
    out.push_back(
      format("Memory usage is %.0f%% of capacity, near capacity: raise "
             "cache.max-bytes or expect evictions.",
             s.usage_ratio * 100));
  else if (s.usage_ratio > t.warn_usage)
    out.push_back(format("Memory usage is %.0f%% of capacity, usage high: watch evictions.",
                         s.usage_ratio * 100));
  else if (s.usage_ratio < t.low_usage && s.evictions == 0 && !hit_rate_low
           && s.lookups >= min_lookups_for_hit_rate)
    // Shrinking is advice only for a busy, healthy node that keeps well within its budget; on
    // a node that misses or barely works the number says nothing about the right size.
    out.push_back(
      format("Memory usage is %.0f%% of capacity, usage low: cache.max-bytes "
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
