// Deadlines of requests that share one timeout, kept in send order so the overdue ones are cheap to find.
#pragma once

#include <cstdint>
#include <deque>
#include <utility>

#include "core/ttl_clock.hpp"

namespace ac {

/// Why: a CAF 0.17 request timeout is an entry in the clock thread's tree, behind a mutex,
/// plus a wake-up of that thread, per request and again per answer. Callers that send many
/// requests with one timeout keep their deadlines here instead and run one timer: with a
/// common timeout, deadlines only grow in send order, so the overdue ones are at the front.
///
/// Ids are the caller's; the caller keeps which of them are still open. Answered ids leave
/// the queue from the front as they come up (trim), so it holds about the requests in flight.
class deadline_queue {
public:
  using time_point = ac_clock::time_point;

  /// Records a request sent now that is due at `deadline` (not earlier than the last one).
  void push(time_point deadline, uint64_t id) { q_.emplace_back(deadline, id); }

  /// Drops answered requests from the front: `open(id)` says whether id still waits.
  template <class Open>
  void trim(Open&& open) {
    while (!q_.empty() && !open(q_.front().second))
      q_.pop_front();
  }

  /// Calls `expire(id)` for every request due by `now` that is still `open`, oldest first,
  /// and forgets them.
  template <class Open, class Expire>
  void expire(time_point now, Open&& open, Expire&& expire) {
    while (!q_.empty() && q_.front().first <= now) {
      auto id = q_.front().second;
      q_.pop_front();
      if (open(id))
        expire(id);
    }
  }

  bool empty() const { return q_.empty(); }
  size_t size() const { return q_.size(); }

private:
  std::deque<std::pair<time_point, uint64_t>> q_;
};

} // namespace ac
