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

#include "messages/stats.hpp"

namespace ac {

/// A shard: its L1 store and what it did with requests.
struct shard_stats {
  static constexpr std::string_view kind = "shard";
  int64_t hits = 0;       ///< fresh and stale hits
  int64_t stale_hits = 0; ///< hits served past the TTL (cache.stale-ttl)
  int64_t misses = 0;
  int64_t puts = 0;
  int64_t rejected = 0; ///< puts the store refused (too large, admission)
  int64_t refused = 0;  ///< requests refused as bad input
  int64_t evictions = 0;
  int64_t expirations = 0;
  int64_t erases = 0;
  int64_t entries = 0;
  int64_t bytes = 0;
  int64_t capacity_bytes = 0;
  int64_t capacity_entries = 0;
  int64_t stale_refreshes = 0;
  int64_t hot_misses = 0;
  int64_t refresh_ahead = 0;
  int64_t refresh_ahead_failed = 0;
  int64_t refresh_ahead_refused = 0;
  int64_t refresh_ahead_in_flight = 0;
  int64_t ghost_hits = 0; ///< misses of keys evicted recently (what more memory would have hit)
  int64_t overloaded = 0;
  int64_t pending_deletes = 0;
  int64_t l1_only_puts = 0;
  int64_t l1_only_deletes = 0;
  int64_t invalidations = 0;
  int64_t lent_keys = 0;
  int64_t unremembered_lent = 0;
  int64_t heal_drops = 0;
  int64_t disowned_drops = 0;
  int64_t warm_fills = 0;
  int64_t prefetches = 0;
  int64_t prefetch_loaded = 0;
  int64_t prefetch_hits = 0;

  template <class Self, class F>
  static void fields(Self& s, F&& f) {
    f("hits", s.hits);
    f("stale_hits", s.stale_hits);
    f("misses", s.misses);
    f("puts", s.puts);
    f("rejected", s.rejected);
    f("refused", s.refused);
    f("evictions", s.evictions);
    f("expirations", s.expirations);
    f("erases", s.erases);
    f("entries", s.entries);
    f("bytes", s.bytes);
    f("capacity_bytes", s.capacity_bytes);
    f("capacity_entries", s.capacity_entries);
    f("stale_refreshes", s.stale_refreshes);
    f("hot_misses", s.hot_misses);
    f("refresh_ahead", s.refresh_ahead);
    f("refresh_ahead_failed", s.refresh_ahead_failed);
    f("refresh_ahead_refused", s.refresh_ahead_refused);
    f("refresh_ahead_in_flight", s.refresh_ahead_in_flight);
    f("ghost_hits", s.ghost_hits);
    f("overloaded", s.overloaded);
    f("pending_deletes", s.pending_deletes);
    f("l1_only_puts", s.l1_only_puts);
    f("l1_only_deletes", s.l1_only_deletes);
    f("invalidations", s.invalidations);
    f("lent_keys", s.lent_keys);
    f("unremembered_lent", s.unremembered_lent);
    f("heal_drops", s.heal_drops);
    f("disowned_drops", s.disowned_drops);
    f("warm_fills", s.warm_fills);
    f("prefetches", s.prefetches);
    f("prefetch_loaded", s.prefetch_loaded);
    f("prefetch_hits", s.prefetch_hits);
  }
};

/// A coalescer: flights, loads from L2 and the loader, hand-offs, warming fills.
struct coalescer_stats {
  static constexpr std::string_view kind = "coalescer";
  int64_t in_flight = 0;
  int64_t waiters = 0;
  int64_t loads = 0;
  int64_t coalesced = 0; ///< loads that joined a flight instead of starting one
  int64_t settled = 0;
  int64_t settling = 0;
  int64_t l2_hits = 0;
  int64_t l2_corrupt = 0;
  int64_t computes = 0;
  int64_t load_misses = 0;
  int64_t errors = 0;
  int64_t max_waiters = 0;
  int64_t negative_hits = 0;
  int64_t handoff_asks = 0;
  int64_t handoff_values = 0;
  int64_t handoff_joined = 0;
  int64_t fenced = 0;
  int64_t fenced_loads = 0;
  int64_t warmed = 0;
  int64_t unkept = 0;
  int64_t refreshes = 0;
  int64_t refresh_joined = 0;
  int64_t refresh_l2 = 0;
  int64_t warm_found = 0;

  template <class Self, class F>
  static void fields(Self& s, F&& f) {
    f("in_flight", s.in_flight);
    f("waiters", s.waiters);
    f("loads", s.loads);
    f("coalesced", s.coalesced);
    f("settled", s.settled);
    f("settling", s.settling);
    f("l2_hits", s.l2_hits);
    f("l2_corrupt", s.l2_corrupt);
    f("computes", s.computes);
    f("load_misses", s.load_misses);
    f("errors", s.errors);
    f("max_waiters", s.max_waiters);
    f("negative_hits", s.negative_hits);
    f("handoff_asks", s.handoff_asks);
    f("handoff_values", s.handoff_values);
    f("handoff_joined", s.handoff_joined);
    f("fenced", s.fenced);
    f("fenced_loads", s.fenced_loads);
    f("warmed", s.warmed);
    f("unkept", s.unkept);
    f("refreshes", s.refreshes);
    f("refresh_joined", s.refresh_joined);
    f("refresh_l2", s.refresh_l2);
    f("warm_found", s.warm_found);
  }
};

/// The Redis bridge: L2 reads and writes, its batches and its breaker.
struct redis_bridge_stats {
  static constexpr std::string_view kind = "redis_bridge";
  int64_t l2_hits = 0;
  int64_t l2_misses = 0;
  int64_t l2_errors = 0;
  int64_t writes = 0;
  int64_t writes_dropped = 0;
  int64_t short_circuited = 0;
  int64_t batches = 0;
  int64_t background_reads = 0;
  int64_t batch_p50 = 0;
  int64_t batch_max = 0;
  int64_t breaker_opened = 0;
  int64_t breaker_state = 0; ///< 0 closed, 1 open, 2 half-open (core/circuit_breaker)
  int64_t connections_idle = 0;

  template <class Self, class F>
  static void fields(Self& s, F&& f) {
    f("l2_hits", s.l2_hits);
    f("l2_misses", s.l2_misses);
    f("l2_errors", s.l2_errors);
    f("writes", s.writes);
    f("writes_dropped", s.writes_dropped);
    f("short_circuited", s.short_circuited);
    f("batches", s.batches);
    f("background_reads", s.background_reads);
    f("batch_p50", s.batch_p50);
    f("batch_max", s.batch_max);
    f("breaker_opened", s.breaker_opened);
    f("breaker_state", s.breaker_state);
    f("connections_idle", s.connections_idle);
  }
};

/// The warmer: runs after a view change, keys loaded, and its saved list.
struct warmer_stats {
  static constexpr std::string_view kind = "warmer";
  int64_t runs = 0;
  int64_t in_progress = 0;
  int64_t keys = 0; ///< loaded, every run since start
  int64_t candidates = 0;
  int64_t milliseconds = 0; ///< spent loading, every run since start
  int64_t last_keys = 0;
  int64_t listed = 0;
  int64_t saves = 0;
  int64_t save_failures = 0;
  int64_t saved_keys = 0;

  template <class Self, class F>
  static void fields(Self& s, F&& f) {
    f("runs", s.runs);
    f("in_progress", s.in_progress);
    f("keys", s.keys);
    f("candidates", s.candidates);
    f("milliseconds", s.milliseconds);
    f("last_keys", s.last_keys);
    f("listed", s.listed);
    f("saves", s.saves);
    f("save_failures", s.save_failures);
    f("saved_keys", s.saved_keys);
  }
};

/// The compute actor: the loader's work queue.
struct compute_stats {
  static constexpr std::string_view kind = "compute";
  int64_t computes = 0;
  int64_t failures = 0;
  int64_t refused = 0;
  int64_t missing = 0;
  int64_t overloaded = 0;
  int64_t busy = 0; ///< computes running now
  int64_t queued = 0;

  template <class Self, class F>
  static void fields(Self& s, F&& f) {
    f("computes", s.computes);
    f("failures", s.failures);
    f("refused", s.refused);
    f("missing", s.missing);
    f("overloaded", s.overloaded);
    f("busy", s.busy);
    f("queued", s.queued);
  }
};

/// The front: routing, refusals, near copies of hot keys.
struct front_stats {
  static constexpr std::string_view kind = "front";
  int64_t forwarded = 0;
  int64_t refused = 0;
  int64_t overloaded = 0;
  int64_t near_hits = 0;
  int64_t near_copies = 0;
  int64_t refused_control = 0;
  int64_t near_invalidated = 0;
  int64_t shards = 0;
  int64_t epoch = 0;
  int64_t heals = 0;

  template <class Self, class F>
  static void fields(Self& s, F&& f) {
    f("forwarded", s.forwarded);
    f("refused", s.refused);
    f("overloaded", s.overloaded);
    f("near_hits", s.near_hits);
    f("near_copies", s.near_copies);
    f("refused_control", s.refused_control);
    f("near_invalidated", s.near_invalidated);
    f("shards", s.shards);
    f("epoch", s.epoch);
    f("heals", s.heals);
  }
};

/// Membership: the view and what changed it.
struct membership_stats {
  static constexpr std::string_view kind = "membership";
  int64_t epoch = 0;
  int64_t alive = 0;
  int64_t members = 0;
  int64_t joins = 0;
  int64_t downs = 0;
  int64_t heartbeats = 0;
  int64_t refused = 0;
  int64_t heals = 0;

  template <class Self, class F>
  static void fields(Self& s, F&& f) {
    f("epoch", s.epoch);
    f("alive", s.alive);
    f("members", s.members);
    f("joins", s.joins);
    f("downs", s.downs);
    f("heartbeats", s.heartbeats);
    f("refused", s.refused);
    f("heals", s.heals);
  }
};

/// The sizing supervisor (its row adds restarts_KIND and gain_ppm_shard_N per kind and shard).
struct supervisor_stats {
  static constexpr std::string_view kind = "sizing_supervisor";
  int64_t restarts = 0; ///< every restart, all kinds
  int64_t degraded = 0; ///< 1 while a restart budget ran out
  int64_t decisions = 0;
  int64_t capacity_bytes = 0;

  template <class Self, class F>
  static void fields(Self& s, F&& f) {
    f("restarts", s.restarts);
    f("degraded", s.degraded);
    f("decisions", s.decisions);
    f("capacity_bytes", s.capacity_bytes);
  }
};

/// The RESP edge (its row adds cmd_NAME per command run).
struct resp_stats {
  static constexpr std::string_view kind = "resp";
  int64_t connections = 0; ///< accepted since start
  int64_t open = 0;
  int64_t commands = 0;
  int64_t errors = 0;
  int64_t dropped = 0;
  int64_t refused = 0;
  int64_t cut_off = 0;
  int64_t inline_hits = 0;
  int64_t loop_commands = 0;
  int64_t port = 0;

  template <class Self, class F>
  static void fields(Self& s, F&& f) {
    f("connections", s.connections);
    f("open", s.open);
    f("commands", s.commands);
    f("errors", s.errors);
    f("dropped", s.dropped);
    f("refused", s.refused);
    f("cut_off", s.cut_off);
    f("inline_hits", s.inline_hits);
    f("loop_commands", s.loop_commands);
    f("port", s.port);
  }
};

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
