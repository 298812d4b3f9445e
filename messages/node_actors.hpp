// The typed interfaces of the node's housekeeping actors: metrics, the sizing supervisor and the warmer.
#pragma once

#include <cstdint>
#include <vector>

#include <caf/replies_to.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/timespan.hpp>
#include <caf/typed_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "messages/atoms.hpp"
#include "messages/shard_actor.hpp"
#include "messages/stats.hpp"

namespace ac {

/// Pulls counters and histograms from every actor (the request path never messages it).
using metrics_actor = caf::typed_actor<
  // A fresh node report: every actor asked now, totals, percentiles, recommendations.
  caf::replies_to<report_atom>::with<node_report>,
  // Periodic pull: keeps the usage history and recommendation inputs current.
  caf::reacts_to<tick_atom>,
  // The sizing supervisor's latest decision.
  caf::reacts_to<update_atom, sizing_report>,
  // SIGHUP reload: new recommendation thresholds (recommendations.*).
  caf::reacts_to<update_atom, advice_thresholds>,
  // A restarted shard replaces the old handle at this index.
  caf::reacts_to<update_atom, uint32_t, shard_actor>,
  // Another actor to pull stats from (membership, supervisor): its name and handle.
  caf::reacts_to<update_atom, caf::actor>,
  // The metrics actor's own row.
  caf::replies_to<stats_atom>::with<actor_stats>>;

/// Sizes the cache from free memory and CPU load, and restarts failed actors.
using sizing_supervisor_actor = caf::typed_actor<
  // Re-sizes now from fresh readings (also self-sent every sizing.interval).
  caf::reacts_to<tick_atom>,
  // SIGHUP reload: new sizing.interval (from the next tick on), sizing.cpu-target,
  // sizing.memory-rule and sizing.cpu-rule.
  caf::reacts_to<update_atom, caf::timespan, double, bool, bool>,
  // The decision in force.
  caf::replies_to<get_atom>::with<sizing_report>,
  // Counters: restarts, degraded, capacity.
  caf::replies_to<stats_atom>::with<actor_stats>>;

/// Loads the hot keys of the range this node owns from L2 before its clients ask for them,
/// when the node joins a cluster or a partition heals (its peers' and its own hot-key lists).
using warmer_actor = caf::typed_actor<
  // Start a warming run (the front sends it on a join or heal); one already under way is
  // followed by another once it ends, against the view in force then.
  caf::reacts_to<warm_atom>,
  // Self-sent: collect hot-key lists once the view has settled, then pace the loads.
  caf::reacts_to<warm_atom, tick_atom>,
  // The node is up (joined its cluster, or alone): start the first run, which reads the node's
  // own list from L2, unless a join already started one.
  caf::reacts_to<warm_atom, get_atom>,
  // While this node joins, its view gained a member: a run asks it for its lists unless one
  // already did (the front sends it; a node that starts sees its peers one by one).
  caf::reacts_to<warm_atom, join_atom>,
  // A heal dropped this node's L1 (the front sends it instead of a plain trigger): the next run
  // reads the node's own list from L2 again, as after a start.
  caf::reacts_to<warm_atom, ownership_atom>,
  // Writes this node's own warming list (its hottest L1 keys) to L2 now (a clean shutdown);
  // true once Redis has it.
  caf::replies_to<warm_atom, put_atom>::with<bool>,
  // Self-sent every warming.save-interval: the same, unanswered.
  caf::reacts_to<warm_atom, put_atom, tick_atom>,
  // The supervisor hands over a restarted bridge.
  caf::reacts_to<update_atom, redis_bridge_actor>,
  // Counters: runs, keys and seconds of the last run, in progress.
  caf::replies_to<stats_atom>::with<actor_stats>>;

} // namespace ac
