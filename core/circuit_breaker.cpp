// Circuit breaker state machine.
#include "core/circuit_breaker.hpp"

#include "core/enum_names.hpp"

namespace ac {

namespace {

constexpr std::array<std::string_view, 3> breaker_state_names{"closed", "open", "half-open"};
static_assert(breaker_state_names.size() == static_cast<size_t>(breaker_state::half_open) + 1);

} // namespace

std::string_view to_string(breaker_state s) {
  return enum_name(breaker_state_names, s, std::string_view{"unknown"});
}

circuit_breaker::circuit_breaker(breaker_options opts) : opts_(opts) {
  if (opts_.failure_threshold == 0)
    opts_.failure_threshold = 1;
}

void circuit_breaker::open(time_point now) {
  state_ = breaker_state::open;
  opened_at_ = now;
  probe_in_flight_ = false;
  ++opened_count_;
}

bool circuit_breaker::allow(time_point now) {
  switch (state_) {
    case breaker_state::closed:
      return true;
    case breaker_state::open:
      if (now - opened_at_ < opts_.open_for)
        return false;
      state_ = breaker_state::half_open;
      probe_in_flight_ = true;
      return true;
    case breaker_state::half_open:
      if (probe_in_flight_)
        return false;
      probe_in_flight_ = true;
      return true;
  }
  return false;
}

void circuit_breaker::on_success(time_point) {
  if (state_ == breaker_state::open)
    return; // a late reply to a call made before opening says nothing about now
  state_ = breaker_state::closed;
  failures_ = 0;
  probe_in_flight_ = false;
}

void circuit_breaker::on_failure(time_point now) {
  switch (state_) {
    case breaker_state::closed:
      if (++failures_ >= opts_.failure_threshold) {
        failures_ = 0;
        open(now);
      }
      break;
    case breaker_state::half_open:
      open(now); // the probe failed: wait a full open_for again
      break;
    case breaker_state::open:
      break; // a late reply to a call made before opening; the timer is not extended
  }
}

breaker_state circuit_breaker::state(time_point now) const {
  if (state_ == breaker_state::open && now - opened_at_ >= opts_.open_for)
    return breaker_state::half_open;
  return state_;
}

} // namespace ac
