// The recent-window snapshots (see recent_window.hpp).
#include "core/recent_window.hpp"

namespace ac {

void recent_window::push(counters_at s) {
  if (!kept_.empty() && s.time_ms < kept_.back().time_ms)
    kept_.clear(); // a clock that went back: start again rather than take odd differences
  kept_.push_back(std::move(s));
  // Keep exactly one snapshot at least span old (the base) and everything after it.
  const auto now = kept_.back().time_ms;
  while (kept_.size() >= 2 && now - kept_[1].time_ms >= span_ms_)
    kept_.pop_front();
}

counters_at recent_window::since_base(const counters_at& now) const {
  if (kept_.empty())
    return now;
  // The newest kept snapshot that is at least span_ms older than `now`, else the oldest.
  const counters_at* base = &kept_.front();
  for (auto& k : kept_)
    if (k.time_ms <= now.time_ms && now.time_ms - k.time_ms >= span_ms_)
      base = &k;
  counters_at d;
  d.time_ms = now.time_ms >= base->time_ms ? now.time_ms - base->time_ms : 0;
  for (auto& [name, v] : now.values) {
    auto i = base->values.find(name);
    double b = i == base->values.end() ? 0 : i->second;
    d.values[name] = v >= b ? v - b : v;
  }
  d.latency_buckets = now.latency_buckets;
  d.latency_max_us = now.latency_max_us;
  bool went_down = base->latency_sum_us > now.latency_sum_us;
  for (size_t i = 0; i < d.latency_buckets.size() && i < base->latency_buckets.size(); ++i)
    went_down = went_down || base->latency_buckets[i] > d.latency_buckets[i];
  if (!went_down) {
    for (size_t i = 0; i < d.latency_buckets.size() && i < base->latency_buckets.size(); ++i)
      d.latency_buckets[i] -= base->latency_buckets[i];
    d.latency_sum_us = now.latency_sum_us - base->latency_sum_us;
  } else {
    d.latency_sum_us = now.latency_sum_us;
  }
  return d;
}

} // namespace ac
