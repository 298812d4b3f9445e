// Clock abstraction so the cache store (TTL expiry) and tests can share one notion of "now".
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

#include <time.h>

namespace ac {

// Monotonic: TTLs must not jump when the wall clock is adjusted.
using ac_clock = std::chrono::steady_clock;

namespace detail {
// The process-wide wall-clock offset (ms) that set_wall_clock_skew() injects; 0 in production.
inline std::atomic<int64_t> wall_clock_skew_ms{0};
} // namespace detail

/// Faketime for tests (node.clock-skew): from now on every unix_ms() of this process reads the
/// wall clock off by `skew` (negative: behind), as on a machine whose clock is wrong. Monotonic
/// clocks (ac_clock, clock_source) are untouched: expiry and failure detection never see it.
inline void set_wall_clock_skew(std::chrono::milliseconds skew) {
  detail::wall_clock_skew_ms.store(skew.count(), std::memory_order_relaxed);
}

/// The offset set_wall_clock_skew() injected (0 unless a test set one).
inline std::chrono::milliseconds wall_clock_skew() {
  return std::chrono::milliseconds{detail::wall_clock_skew_ms.load(std::memory_order_relaxed)};
}

/// Milliseconds since the Unix epoch on the wall clock (plus any injected skew): what entries
/// (createdAtMs) and heartbeats are stamped with, for readers in other processes. Another
/// machine's clock may be minutes off, so this decides no expiry and no failure; the one use
/// that reads it for a TTL (core/ttl_grant, when a source gives no relative TTL) is capped by
/// the Entry's own TTL.
inline int64_t unix_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
           std::chrono::system_clock::now().time_since_epoch())
           .count()
         + detail::wall_clock_skew_ms.load(std::memory_order_relaxed);
}

/// Milliseconds on the monotonic clock (its epoch is arbitrary): for intervals and deadlines
/// inside one process, never for stamps another process reads (unix_ms()).
inline int64_t steady_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(ac_clock::now().time_since_epoch())
    .count();
}

// Injected wherever code needs the current time; production passes system_clock_source,
// tests pass manual_clock so expiry is deterministic.
class clock_source {
public:
  virtual ~clock_source() = default;
  virtual ac_clock::time_point now() const = 0;
};

// Reads the real monotonic clock at tick resolution (CLOCK_MONOTONIC_COARSE: the same clock
// as steady_clock on Linux, a few ms coarse, about 4x cheaper to read). TTLs are whole
// seconds, and the store reads the clock on every lookup.
class system_clock_source final : public clock_source {
public:
  ac_clock::time_point now() const override {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
    return ac_clock::time_point{std::chrono::duration_cast<ac_clock::duration>(
      std::chrono::seconds{ts.tv_sec} + std::chrono::nanoseconds{ts.tv_nsec})};
  }
};

// Time only moves when the test says so. Starts at the clock's epoch unless set(). Safe to
// read from other threads while a test advances it (shards and RESP sessions read it).
class manual_clock final : public clock_source {
public:
  manual_clock() = default;
  explicit manual_clock(ac_clock::time_point start) : ticks_(start.time_since_epoch().count()) {}

  ac_clock::time_point now() const override {
    return ac_clock::time_point{ac_clock::duration{ticks_.load(std::memory_order_acquire)}};
  }

  // Moves time forward by d (callers pass non-negative durations).
  void advance(ac_clock::duration d) { ticks_.fetch_add(d.count(), std::memory_order_acq_rel); }

  // Jumps to an absolute point; used to set up a scenario.
  void set(ac_clock::time_point t) {
    ticks_.store(t.time_since_epoch().count(), std::memory_order_release);
  }

private:
  std::atomic<ac_clock::rep> ticks_{0};
};

} // namespace ac
