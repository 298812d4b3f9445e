// The metrics actor: pulls every actor's counters on a timer and on demand; builds the node report.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/error_tally.hpp"
#include "core/latency_histogram.hpp"
#include "core/recent_window.hpp"
#include "core/recommendations.hpp"
#include "messages/front_actor.hpp"
#include "messages/membership_actor.hpp"
#include "messages/miss_path_actors.hpp"
#include "messages/node_actors.hpp"

namespace ac {

/// Anything that can report one stats row.
using stats_source = caf::typed_actor<caf::replies_to<stats_atom>::with<actor_stats>>;

struct metrics_config {
  std::string node_id;
  std::chrono::milliseconds interval{1000}; ///< pull period (usage history, rates)
  std::chrono::milliseconds pull_timeout{2000};
  std::vector<shard_actor> shards;
  std::vector<stats_source> sources; ///< front, bridge, compute, membership, ...
  bool l2_enabled = false;
  std::shared_ptr<error_tally> errors;     ///< the node's error replies: the "errors" total
  std::chrono::milliseconds window{60000}; ///< metrics.window: rates, percentiles and advice
  advice_thresholds thresholds;            ///< recommendations.*: where advice starts
};

struct metrics_state {
  std::vector<shard_actor> shards;
  std::vector<stats_source> sources;
  sizing_report sizing;
  usage_history history{100};
  recent_window window;         ///< lifetime counters at each tick
  advice_thresholds thresholds; ///< recommendations.* (replaced on SIGHUP)
  uint64_t handled = 0;
  uint64_t pulls = 0;
  std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
  static inline const char* name = "metrics";
};

/// Builds the node report from every actor's row (pure; unit-tested without actors): lifetime
/// counters, and rates and percentiles over the node's whole life. `errors` (may be null) is
/// the node's tally of error replies; without it the actors' own error counters are summed.
node_report build_report(const std::string& node_id, std::vector<actor_stats> rows,
                         const sizing_report& sizing, bool l2_enabled,
                         const error_tally* errors = nullptr);

/// Every lookup's latency in a report's rows: each is answered by exactly one shard (hit,
/// L1-only miss) or one coalescer waiter (loaded miss), so merging those two kinds counts each
/// lookup once.
latency_histogram lookup_latency(const std::vector<actor_stats>& rows);

/// The lifetime counters of a report that the recent window takes differences of.
counters_at counters_of(const node_report& rep, uint64_t time_ms);

/// Replaces the report's rates, percentiles and recommendations with those of `recent` (the
/// window's differences); the whole-life ones stay as lifetime_*.
void apply_window(node_report& rep, const counters_at& recent,
                  const advice_thresholds& thresholds = {});

metrics_actor::behavior_type metrics(metrics_actor::stateful_pointer<metrics_state> self,
                                     metrics_config cfg);

} // namespace ac
