// Requests sent without a CAF timeout, each with what to do should it come due unanswered; the sender's own timer fails the overdue ones.
#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/deadline_queue.hpp"

namespace ac {

/// Why: each CAF 0.17 request timeout wakes the clock thread twice (the timeout is scheduled,
/// then cancelled by the answer); a shard's write through to Redis spent a fifth of the node's
/// CPU there (bench/RESULTS.md, session 17). A sender whose requests share one timeout keeps
/// their deadlines here and runs one timer instead (deadline_queue: in send order, the overdue
/// are at the front). Each request ends once: by its answer (settle) or as overdue (expire).
template <class OnOverdue>
class pending_requests {
public:
  /// A request sent now, due at `due` (not earlier than the one before); its ticket.
  uint64_t open(ac_clock::time_point due, OnOverdue on_overdue) {
    auto id = ++last_id_;
    open_.emplace(id, std::move(on_overdue));
    due_.push(due, id);
    return id;
  }

  /// The request's answer came: true when it was still open (not yet expired).
  bool settle(uint64_t id) { return take(id).has_value(); }

  /// Closes the request and hands back what it kept: for an answer that is a failure the
  /// sender handles as it would the request coming due. Nothing when it was closed already.
  std::optional<OnOverdue> take(uint64_t id) {
    auto it = open_.find(id);
    if (it == open_.end())
      return std::nullopt;
    std::optional<OnOverdue> out{std::move(it->second)};
    open_.erase(it);
    due_.trim([this](uint64_t x) { return open_.count(x) == 1; });
    return out;
  }

  /// Closes every open request whose kept value satisfies `pred` (e.g. those sent to a node
  /// that went down) and hands their values back, oldest first. The caller runs them after:
  /// what they do may open new requests.
  template <class Pred>
  std::vector<OnOverdue> take_if(Pred&& pred) {
    std::vector<uint64_t> ids;
    for (const auto& [id, v] : open_)
      if (pred(static_cast<const OnOverdue&>(v)))
        ids.push_back(id);
    std::sort(ids.begin(), ids.end()); // tickets grow in send order
    std::vector<OnOverdue> out;
    out.reserve(ids.size());
    for (auto id : ids) {
      auto it = open_.find(id);
      out.push_back(std::move(it->second));
      open_.erase(it);
    }
    due_.trim([this](uint64_t x) { return open_.count(x) == 1; });
    return out;
  }

  /// Calls `run(on_overdue)` for each open request due by `now`, oldest first; they are closed.
  template <class Run>
  void expire(ac_clock::time_point now, Run&& run) {
    due_.expire(
      now, [this](uint64_t id) { return open_.count(id) == 1; },
      [&](uint64_t id) {
        auto it = open_.find(id);
        auto on_overdue = std::move(it->second);
        open_.erase(it);
        run(on_overdue);
      });
  }

  size_t size() const { return open_.size(); } ///< requests still open
  bool empty() const { return open_.empty(); }

private:
  std::unordered_map<uint64_t, OnOverdue> open_;
  deadline_queue due_;
  uint64_t last_id_ = 0;
};

} // namespace ac
