// Rates and windowed percentiles from lifetime counters (see rate_series.hpp).
#include "core/rate_series.hpp"

#include <algorithm>

#include "core/latency_histogram.hpp"

namespace ac {

namespace {

/// `now - before`, or `now` when the counter restarted below its old value.
uint64_t delta(uint64_t now, uint64_t before) { return now >= before ? now - before : now; }

} // namespace

rate_series::rate_series(size_t limit) : limit_(std::max<size_t>(limit, 1)) {}

void rate_series::push(const counter_snapshot& s) {
  if (have_last_ && s.time_ms > last_.time_ms) {
    double secs = static_cast<double>(s.time_ms - last_.time_ms) / 1000.0;
    rate_point p;
    p.time_ms = s.time_ms;
    p.hits_per_s = static_cast<double>(delta(s.hits, last_.hits)) / secs;
    p.misses_per_s = static_cast<double>(delta(s.misses, last_.misses)) / secs;
    p.computes_per_s = static_cast<double>(delta(s.computes, last_.computes)) / secs;
    std::vector<uint64_t> window(s.latency_buckets.size(), 0);
    uint64_t top = 0; // the window's max is unknown: the upper bound of its highest bucket
    for (size_t i = 0; i < window.size(); ++i) {
      window[i] = delta(s.latency_buckets[i],
                        i < last_.latency_buckets.size() ? last_.latency_buckets[i] : 0);
      if (window[i] > 0)
        top = latency_histogram::upper_bound_of(std::min(i, latency_histogram::bucket_count() - 1));
    }
    auto h = latency_histogram::from_buckets(std::move(window), 0, top);
    if (h.count() > 0) {
      p.p50_us = h.percentile(0.50);
      p.p99_us = h.percentile(0.99);
    }
    points_.push_back(p);
    if (points_.size() > limit_)
      points_.pop_front();
  }
  last_ = s;
  have_last_ = true;
}

} // namespace ac
