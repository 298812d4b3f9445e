// Circuit breaker that stops calls to a failing dependency (Redis, a peer) and probes for recovery.
#pragma once

#include <chrono>
#include <cstdint>
#include <string_view>

namespace ac {

enum class breaker_state { closed, open, half_open };

/// "closed", "open", "half-open" (the names `stats --json` reports under l2.breaker).
std::string_view to_string(breaker_state s);

struct breaker_options {
  uint32_t failure_threshold = 5;           // consecutive failures that open the breaker
  std::chrono::milliseconds open_for{1000}; // how long it stays open before one probe
};

/// closed --threshold consecutive failures--> open --open_for elapsed, allow()--> half-open
/// (exactly one probe call) --success--> closed / --failure--> open again.
///
/// The caller passes the time in (no clock reads inside) and must report the outcome of
/// every call allow() let through, or a half-open breaker never lets another probe out.
/// Not thread-safe: one actor (e.g. redis_bridge) owns one breaker.
class circuit_breaker {
public:
  using time_point = std::chrono::steady_clock::time_point;

  explicit circuit_breaker(breaker_options opts = {});

  /// May the caller issue a call now? Transitions open -> half-open when due.
  bool allow(time_point now);
  void on_success(time_point now);
  void on_failure(time_point now);

  /// open is reported as half-open once open_for has passed (the next allow() probes).
  breaker_state state(time_point now) const;

  /// How many times the breaker has opened (including re-opens after a failed probe).
  uint64_t opened_count() const { return opened_count_; }

private:
  void open(time_point now);

  breaker_options opts_;
  breaker_state state_ = breaker_state::closed;
  uint32_t failures_ = 0; // consecutive failures while closed
  time_point opened_at_{};
  bool probe_in_flight_ = false; // half-open: the one probe has been let through
  uint64_t opened_count_ = 0;
};

} // namespace ac
