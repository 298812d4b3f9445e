// Small helpers every actor uses to fill its actor_stats row.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <utility>

#include "core/latency_histogram.hpp"
#include "messages/stats.hpp"

namespace ac {

/// A stats row named `name` (of kind `kind` where the name alone does not say it) with the
/// actor's mailbox now and the messages it handled.
template <class Self>
actor_stats stats_row(Self* self, std::string name, uint64_t handled, std::string kind = {}) {
  actor_stats row;
  row.name = std::move(name);
  row.kind = std::move(kind);
  row.mailbox = self->mailbox().size();
  row.handled = handled;
  return row;
}

/// Copies a histogram into a stats row so that the metrics actor can merge it.
inline void put_latency(actor_stats& row, const latency_histogram& h) {
  row.latency_buckets = h.buckets();
  row.latency_sum_us = h.sum();
  row.latency_max_us = h.max();
}

/// Microseconds since `start` on the steady clock, at least 1 so that a recorded latency is never 0.
inline uint64_t micros_since(std::chrono::steady_clock::time_point start) {
  auto us =
    std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - start)
      .count();
  return us > 0 ? static_cast<uint64_t>(us) : 1;
}

} // namespace ac
