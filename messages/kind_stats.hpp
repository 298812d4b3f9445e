// Typed stats: what each kind of actor counts, as a struct both its stats row and its readers use.
//
// A stats row (messages/stats.hpp) carries counters as name -> value so the console, `--json`
// and Prometheus can show any kind's without knowing it. Those that act on the numbers (the
// metrics actor's sums, the sizing rules, DBSIZE) read the struct instead: `stats_of<T>(row)`.
// Both directions go through one list of fields per struct (`fields`), so a renamed or
// dropped counter is a compile error on the reading side, never a silent 0.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/membership_counters.hpp"
#include "core/stats_fields.hpp"
#include "messages/stats.hpp"

namespace ac {

// A kind's stats struct: the kind's name in stats rows and one int64_t field per name of LIST.
#define AC_KIND_STATS(type, kind_name, LIST)            \
  struct type {                                         \
    static constexpr std::string_view kind = kind_name; \
    AC_STATS_FIELDS(LIST)                               \
  };

/// A shard: its L1 store and what it did with requests.
/// hits: fresh and stale hits.
/// stale_hits: hits served past the TTL (cache.stale-ttl)
/// rejected: puts the store refused (too large, admission)
/// refused: puts refused as bad input.
/// stale_refreshes: background refreshes started by stale hits.
/// hot_misses: L1 misses of keys that were hot when they missed, expired or evicted while still
///   read a lot (what cache.refresh-ahead exists to prevent; the rest are first reads of cold keys)
/// refresh_ahead: started by hits of hot keys late in their TTL; refresh_ahead_failed: ... that
///   ended in an error (the entry lives on to its TTL)
/// ghost_hits: misses of keys evicted recently (what more memory would have hit)
/// overloaded: misses refused because the backlog was over max_backlog
/// l1_only_puts, l1_only_deletes: redis.write-policy=l1-when-down: puts acknowledged as
///   stored_l1_only (Redis did not take them), deletes Redis did not take at once
/// invalidations: puts and deletes of lent keys announced to peers
/// unremembered_lent: hot answers not remembered because the lent list was full
/// heal_drops: entries dropped because a partition healed; disowned_drops: because another
///   node owns their key now
/// warm_fills: values loaded ahead of demand (warming) that entered L1
/// prefetches: warms of predicted keys asked of the coalescer; prefetch_loaded: ... that found
///   the key in L2 and filled L1
/// superseded_fills: loaded values dropped because their key was written after the miss
/// key_waits: requests that waited for a write of their key to come back from Redis first
/// bridge_writes: requests out at the Redis bridge now in the key's order (puts, deletes, and
///   EXISTS/TTL reads of keys L1 lacks); a stopping node waits for them
// clang-format off
#define AC_SHARD_STATS(X) \
  X(hits) X(stale_hits) X(misses) X(puts) X(rejected) X(refused) X(evictions) \
  X(expirations) X(erases) X(entries) X(bytes) X(capacity_bytes) X(capacity_entries) \
  X(stale_refreshes) X(hot_misses) X(refresh_ahead) X(refresh_ahead_failed) \
  X(refresh_ahead_refused) X(refresh_ahead_in_flight) X(ghost_hits) X(overloaded) \
  X(pending_deletes) X(l1_only_puts) X(l1_only_deletes) X(invalidations) X(lent_keys) \
  X(unremembered_lent) X(heal_drops) X(disowned_drops) X(warm_fills) X(prefetches) \
  X(prefetch_loaded) X(prefetch_hits) X(superseded_fills) X(key_waits) X(bridge_writes)
// clang-format on
AC_KIND_STATS(shard_stats, "shard", AC_SHARD_STATS)

/// A coalescer: flights, loads from L2 and the loader, hand-offs, warming fills.
/// coalesced: loads that joined a flight instead of starting one.
// clang-format off
#define AC_COALESCER_STATS(X) \
  X(in_flight) X(waiters) X(loads) X(coalesced) X(settled) X(settling) X(l2_hits) \
  X(l2_corrupt) X(computes) X(load_misses) X(errors) X(max_waiters) X(negative_hits) \
  X(handoff_asks) X(handoff_values) X(handoff_joined) X(fenced) X(fenced_loads) X(warmed) \
  X(unkept) X(refreshes) X(refresh_joined) X(refresh_l2) X(warm_found) X(superseded)
// clang-format on
AC_KIND_STATS(coalescer_stats, "coalescer", AC_COALESCER_STATS)

/// The Redis bridge: L2 reads and writes, its batches and its breaker.
/// breaker_state: 0 closed, 1 open, 2 half-open (core/circuit_breaker)
// clang-format off
#define AC_REDIS_BRIDGE_STATS(X) \
  X(l2_hits) X(l2_misses) X(l2_errors) X(writes) X(writes_dropped) X(short_circuited) \
  X(batches) X(background_reads) X(batch_p50) X(batch_max) X(breaker_opened) \
  X(breaker_state) X(connections_idle)
// clang-format on
AC_KIND_STATS(redis_bridge_stats, "redis_bridge", AC_REDIS_BRIDGE_STATS)

/// The warmer: runs after a view change, keys loaded, and its saved list.
/// keys: loaded, every run since start.
/// milliseconds: spent loading, every run since start.
// clang-format off
#define AC_WARMER_STATS(X) \
  X(runs) X(in_progress) X(keys) X(candidates) X(milliseconds) X(last_keys) X(listed) \
  X(saves) X(save_failures) X(saved_keys)
// clang-format on
AC_KIND_STATS(warmer_stats, "warmer", AC_WARMER_STATS)

/// The compute actor: the loader's work queue.
/// busy: computes running now.
// clang-format off
#define AC_COMPUTE_STATS(X) \
  X(computes) X(failures) X(refused) X(missing) X(overloaded) X(busy) X(queued)
// clang-format on
AC_KIND_STATS(compute_stats, "compute", AC_COMPUTE_STATS)

/// The front: routing, refusals, near copies of hot keys.
// clang-format off
#define AC_FRONT_STATS(X) \
  X(forwarded) X(refused) X(overloaded) X(near_hits) X(near_copies) X(refused_control) \
  X(near_invalidated) X(shards) X(epoch) X(heals)
// clang-format on
AC_KIND_STATS(front_stats, "front", AC_FRONT_STATS)

/// The front's gate (what the node publishes): refused: messages of the node's own control
/// interface that came from outside it.
#define AC_FRONT_GATE_STATS(X) X(refused)
AC_KIND_STATS(front_gate_stats, "front_gate", AC_FRONT_GATE_STATS)

/// The metrics actor: pulls: reports built; history: snapshots its recent window keeps.
#define AC_METRICS_STATS(X) X(pulls) X(history)
AC_KIND_STATS(metrics_stats, "metrics", AC_METRICS_STATS)

/// Membership: the view and what changed it (counted by core/membership_protocol).
struct membership_stats : membership_counters {
  static constexpr std::string_view kind = "membership";
};

/// The sizing supervisor (its row adds restarts_KIND and gain_ppm_shard_N per kind and shard).
/// restarts: every restart, all kinds.
/// degraded: 1 while a restart budget ran out.
// clang-format off
#define AC_SUPERVISOR_STATS(X) \
  X(restarts) X(degraded) X(decisions) X(capacity_bytes)
// clang-format on
AC_KIND_STATS(supervisor_stats, "sizing_supervisor", AC_SUPERVISOR_STATS)

/// The RESP edge (its row adds cmd_NAME per command run).
/// connections: accepted since start. ordered_waits: commands that waited for an earlier one
/// of their connection whose path they could overtake (a write behind a read of its key).
// clang-format off
#define AC_RESP_STATS(X) \
  X(connections) X(open) X(commands) X(errors) X(dropped) X(refused) X(cut_off) \
  X(inline_hits) X(loop_commands) X(ordered_waits) X(port)
// clang-format on
AC_KIND_STATS(resp_stats, "resp", AC_RESP_STATS)

/// The lease keeper (AC.GETORLEASE ...): leases held and callers waiting now, and since start
/// what became of them. stale: fills or abandons with a token that was not the key's lease;
/// handed_over: leases passed to a waiter (abandoned, expired, holder gone); from_cache:
/// callers answered with a value stored meanwhile instead of a lease; gave_up: callers whose
/// wait ran out (3 x lease-ms); handoff_asks: previous owners asked before a grant after the
/// key's owner changed; moved: fills and abandons sent on to the node whose lease they name;
/// fenced: keys handed to their new owner's keeper.
// clang-format off
#define AC_LEASE_STATS(X) \
  X(leases) X(waiting) X(granted) X(waited) X(filled) X(abandoned) X(expired) X(stale) \
  X(handed_over) X(from_cache) X(overloaded) X(gave_up) X(handoff_asks) X(moved) X(fenced)
// clang-format on
AC_KIND_STATS(lease_stats, "lease_keeper", AC_LEASE_STATS)

/// Writes `s` into `row`'s counters and sets its kind (the name, mailbox and latency are the
/// caller's).
template <class T>
void put_stats(actor_stats& row, const T& s) {
  row.kind = std::string{T::kind};
  T::fields(s, [&](const char* name, const int64_t& v) { row.counters[name] = v; });
}

/// A row's counters as `T`: zeros for a row of another kind, and for counters it lacks.
template <class T>
T stats_of(const actor_stats& row) {
  T s;
  if (row.kind != T::kind)
    return s;
  T::fields(s, [&](const char* name, int64_t& v) {
    if (auto i = row.counters.find(name); i != row.counters.end())
      v = i->second;
  });
  return s;
}

} // namespace ac
