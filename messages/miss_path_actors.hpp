// The typed interfaces of the miss path: coalescer, compute and Redis bridge.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <caf/replies_to.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "messages/atoms.hpp"
#include "messages/l2_outcome.hpp"
#include "messages/lookup.hpp"
#include "messages/stats.hpp"

namespace ac {

/// Runs the configured loader with bounded concurrency and a bounded queue.
using compute_actor = caf::typed_actor<
  // Computes the value of a key: found (tier compute), a miss (loader `none` or no such key),
  // or an error (loader failed, queue full).
  caf::replies_to<compute_atom, std::string>::with<lookup_result>,
  // Counters for the metrics actor.
  caf::replies_to<stats_atom>::with<actor_stats>>;

/// The node's link to Redis (L2); merges concurrent reads into pipelined MGETs.
using redis_bridge_actor = caf::typed_actor<
  // Reads one key from L2: found (tier l2) or a miss; Redis trouble reads as a miss, counted.
  caf::replies_to<l2_get_atom, std::string>::with<lookup_result>,
  // The same for warming, behind demand reads: rides along a demand batch, or goes alone only
  // while another connection stays free (with one connection: while no demand read waits).
  caf::replies_to<warm_atom, std::string>::with<lookup_result>,
  // Writes a key to L2 with its TTL (write-through); answers an l2_outcome (l2_outcome.hpp):
  // written, not written (breaker open, backlog full, no connection), or unknown (it left and
  // no answer came: Redis may have it).
  caf::replies_to<l2_put_atom, std::string, std::string, uint32_t>::with<uint8_t>,
  // Redis's SET NX (cond put_if::absent) or XX (put_if::present) of a key with its TTL, judged
  // at Redis in one step: written, not_applied (the condition did not hold), or as above. Never
  // retried on a fresh connection (a second try would judge the first one's write).
  caf::replies_to<l2_put_atom, std::string, std::string, uint32_t, uint8_t>::with<uint8_t>,
  // Erases a key in L2; answers an l2_outcome as l2_put_atom does (writes wait for Redis
  // under redis.write-policy=sync).
  caf::replies_to<l2_del_atom, std::string>::with<uint8_t>,
  // Flushes pending batches (self-sent timer).
  caf::reacts_to<tick_atom>,
  // To itself while batches are out at its workers: those past their bound fail.
  caf::reacts_to<sweep_atom>,
  // Counters for the metrics actor.
  caf::replies_to<stats_atom>::with<actor_stats>>;

/// One per shard: a single flight per key. The first miss of a key starts one load (L2, then
/// compute); later misses of the key join it and get the same value or the same error.
using coalescer_actor = caf::typed_actor<
  // Loads a key that L1 missed (key, the shard store's write_seq when the miss was seen: the
  // fill of the flight's value carries the earliest of its loads, so that a write since wins).
  caf::replies_to<load_atom, std::string, uint64_t>::with<lookup_result>,
  // Refresh-ahead of a hot key L1 still holds (key, ms the L1 copy has left): joins the key's
  // flight if one is under way, else computes without reading L2 (Redis holds the same value
  // with the same lifetime); without a loader it reads L2 and fills L1 only when that copy
  // lives longer. The answer is the flight's outcome (a miss when nothing was refreshed).
  // (The last element: the store's write_seq when the hit was read, as for a load.)
  caf::replies_to<refresh_atom, std::string, int64_t, uint64_t>::with<lookup_result>,
  // Warms a key ahead of its reads (warming, prefetch): L2 only, never a compute; fills L1 on a
  // hit, into an empty slot only. Skipped (a miss at once) when a flight for the key is under
  // way; a load that joins a warm flight makes it a full one (compute on an L2 miss). (The
  // last element: the store's write_seq when the warm began, as for a load: a write since wins.)
  caf::replies_to<warm_atom, std::string, uint64_t>::with<lookup_result>,
  // The key's new owner asks before computing it (key, may fence): the answer of the flight
  // under way here, else a miss, after which (when fencing is allowed) this coalescer's loads of
  // the key go to the asker until the hand-off window ends (core/ownership_handoff.hpp).
  caf::replies_to<handoff_atom, std::string, bool>::with<lookup_result>,
  // The shard passes on a restarted bridge or compute actor.
  caf::reacts_to<update_atom, redis_bridge_actor, compute_actor>,
  // To itself while loads or asks are out at other nodes: those at a node the cluster has
  // declared down, whose link still stands (frozen, cut off), are done here instead.
  caf::reacts_to<sweep_atom>,
  // Counters for the metrics actor.
  caf::replies_to<stats_atom>::with<actor_stats>>;

} // namespace ac
