// The metrics actor (see metrics.hpp).
#include "actors/metrics.hpp"

#include <spdlog/spdlog.h>

#include "actors/stats_helpers.hpp"
#include "core/circuit_breaker.hpp"
#include "core/latency_histogram.hpp"
#include "core/ttl_clock.hpp"
#include "messages/kind_stats.hpp"

namespace ac {

namespace {

using self_ptr = metrics_actor::stateful_pointer<metrics_state>;

/// Asks every source for its rows at high priority (so a backlog doesn't delay the answer),
/// then calls `done` with what arrived in time.
template <class Done>
void collect(self_ptr self, const metrics_config& cfg, Done done) {
  struct gather {
    std::vector<actor_stats> rows;
    size_t pending = 0;
    Done done;
  };
  auto g = std::make_shared<gather>(gather{{}, 0, std::move(done)});
  g->pending = self->state.shards.size() + self->state.sources.size();
  auto one_done = [g] {
    if (--g->pending == 0)
      g->done(std::move(g->rows));
  };
  if (g->pending == 0) {
    g->done(std::move(g->rows));
    return;
  }
  // caf::duration, not std::chrono: CAF 0.17.6 drops the priority with the chrono overload.
  auto timeout = caf::duration{cfg.pull_timeout};
  for (auto& s : self->state.shards)
    self->request<caf::message_priority::high>(s, timeout, stats_atom::value)
      .then(
        [=](std::vector<actor_stats>& rows) {
          for (auto& r : rows)
            g->rows.push_back(std::move(r));
          one_done();
        },
        [=](caf::error&) { one_done(); });
  for (auto& s : self->state.sources)
    self->request<caf::message_priority::high>(s, timeout, stats_atom::value)
      .then(
        [=](actor_stats& row) {
          g->rows.push_back(std::move(row));
          one_done();
        },
        [=](caf::error&) { one_done(); });
}

actor_stats own_row(self_ptr self) {
  auto row = stats_row(self, "metrics", self->state.handled, "metrics");
  metrics_stats s;
  s.pulls = static_cast<int64_t>(self->state.pulls);
  s.history = static_cast<int64_t>(self->state.history.size());
  put_stats(row, s);
  return row;
}

} // namespace

latency_histogram lookup_latency(const std::vector<actor_stats>& rows) {
  latency_histogram lat;
  for (auto& r : rows)
    if ((r.kind == shard_stats::kind || r.kind == coalescer_stats::kind)
        && !r.latency_buckets.empty())
      lat.merge(
        latency_histogram::from_buckets(r.latency_buckets, r.latency_sum_us, r.latency_max_us));
  return lat;
}

namespace {

/// The node-wide sums of the actors' counters that the report's totals are made of: each
/// kind's struct with every row of that kind added, field by field.
struct report_sums {
  shard_stats shards;
  coalescer_stats coalescers;
  redis_bridge_stats bridges;
  front_stats fronts;
  compute_stats computes;
  membership_stats membership;
  supervisor_stats supervisor;
  warmer_stats warmer; ///< the warmer's row, not a sum: its last run
  resp_stats resp;     ///< the RESP edge's row (its port)
  double errors = 0;   ///< error replies (build_report)

  /// What the actors count as errors: puts refused as bad input, failed loads, refusals of
  /// the front (bad requests, overload).
  double actor_errors() const {
    return static_cast<double>(shards.refused + coalescers.errors + fronts.refused
                               + fronts.overloaded);
  }
};

/// Adds the counters of `row` to each of `sums` whose kind it is.
template <class... Stats>
void add_counters(const actor_stats& row, Stats&... sums) {
  auto add = [&row](auto& sum) {
    if (row.kind != std::decay_t<decltype(sum)>::kind)
      return;
    sum.fields(sum, [&](const char* name, int64_t& v) {
      if (auto i = row.counters.find(name); i != row.counters.end())
        v += i->second;
    });
  };
  (add(sums), ...);
}

/// Adds one actor's row to the sums (and its hot keys and the breaker's state to the report).
void add_row(report_sums& s, node_report& rep, const actor_stats& r) {
  add_counters(r, s.shards, s.coalescers, s.bridges, s.fronts, s.computes, s.membership,
               s.supervisor);
  if (r.kind == warmer_stats::kind)
    s.warmer = stats_of<warmer_stats>(r);
  else if (r.kind == resp_stats::kind)
    s.resp = stats_of<resp_stats>(r);
  else if (r.kind == redis_bridge_stats::kind)
    rep.breaker = std::string{
      to_string(static_cast<breaker_state>(stats_of<redis_bridge_stats>(r).breaker_state))};
  for (auto& hk : r.hot_keys)
    rep.hot_keys.push_back(hk);
}

/// A counter as the report's totals hold it.
double as_double(int64_t n) { return static_cast<double>(n); }

// The totals that are rates and percentiles: over the metrics window in a served report, over
// the whole life as lifetime_NAME.
#define AC_RATE_TOTALS(X) \
  X(hit_rate) X(error_rate) X(p50_us) X(p95_us) X(p99_us) X(p999_us) X(avg_us)

/// The rates and percentiles of `lookups` lookups, `hits` and `errors` of them, whose latency
/// is `lat`.
void set_rates(node_totals& t, double lookups, double hits, double errors,
               const latency_histogram& lat) {
  t.hit_rate = lookups > 0 ? hits / lookups : 0;
  t.error_rate = lookups > 0 ? errors / lookups : 0;
  t.p50_us = static_cast<double>(lat.percentile(0.50));
  t.p95_us = static_cast<double>(lat.percentile(0.95));
  t.p99_us = static_cast<double>(lat.percentile(0.99));
  t.p999_us = static_cast<double>(lat.percentile(0.999));
  t.avg_us = lat.mean();
}

/// The report's totals. Long on purpose: one line per total (how the sums make it), read as
/// one table.
node_totals totals_of(const report_sums& s, const latency_histogram& lat) {
  auto& sh = s.shards;
  auto lookups = as_double(sh.hits + sh.misses);
  auto capacity = as_double(sh.capacity_bytes);
  auto l2_corrupt = s.coalescers.l2_corrupt;
  auto l2_hits = s.bridges.l2_hits;
  auto& ms = s.membership;
  node_totals t;
  t.hits = as_double(sh.hits);
  t.misses = as_double(sh.misses);
  t.requests = lookups;
  t.entries = as_double(sh.entries);
  t.bytes = as_double(sh.bytes);
  t.capacity_bytes = capacity;
  t.usage_ratio = capacity > 0 ? as_double(sh.bytes) / capacity : 0;
  t.evictions = as_double(sh.evictions);
  t.expirations = as_double(sh.expirations);
  t.stale_hits = as_double(sh.stale_hits);
  t.refresh_ahead = as_double(sh.refresh_ahead); // hot keys refreshed before they expired
  t.hot_misses = as_double(sh.hot_misses);       // misses of keys that were hot: expired or evicted
  t.computes = as_double(s.coalescers.computes);
  t.coalesced = as_double(s.coalescers.coalesced);
  // warming.predictive: warms asked for, those that found the key in L2, reads that used one.
  t.prefetches = as_double(sh.prefetches);
  t.prefetch_loaded = as_double(sh.prefetch_loaded);
  t.prefetch_hits = as_double(sh.prefetch_hits);
  // The bridge counts every key Redis had; one that did not decode is no hit (coalescer): a
  // corrupt value counts as a miss, never as a hit.
  t.l2_hits = l2_hits > l2_corrupt ? as_double(l2_hits - l2_corrupt) : 0;
  t.l2_misses = as_double(s.bridges.l2_misses + l2_corrupt);
  t.l2_corrupt = as_double(l2_corrupt);
  t.l2_errors = as_double(s.bridges.l2_errors);
  // Writes Redis answered (or failed), and writes a full backlog dropped unwritten.
  t.l2_writes = as_double(s.bridges.writes);
  t.l2_writes_dropped = as_double(s.bridges.writes_dropped);
  // Requests that waited for an earlier write of their key to come back from Redis.
  t.key_waits = as_double(sh.key_waits);
  t.errors = s.errors;
  set_rates(t, lookups, as_double(sh.hits), s.errors, lat);
  t.loader_failures = as_double(s.computes.failures);
  t.members_not_alive = ms.members > ms.alive ? as_double(ms.members - ms.alive) : 0;
  t.restarts = as_double(s.supervisor.restarts);
  t.degraded = as_double(s.supervisor.degraded);
  t.resp_port = as_double(s.resp.port);
  // redis.write-policy=l1-when-down: writes acknowledged while Redis did not take them.
  t.l1_only_puts = as_double(sh.l1_only_puts);
  t.l1_only_deletes = as_double(sh.l1_only_deletes);
  t.pending_deletes = as_double(sh.pending_deletes);
  // Warming and ownership: the last warming run, and L1 entries dropped as keys moved.
  t.warming_keys = as_double(s.warmer.keys);
  t.warming_seconds = as_double(s.warmer.milliseconds) / 1000.0;
  t.warming_in_progress = as_double(s.warmer.in_progress);
  // This node's own warming list: keys it named at the start, keys in the last one it saved.
  t.warming_listed = as_double(s.warmer.listed);
  t.warming_saved = as_double(s.warmer.saved_keys);
  t.heal_drops = as_double(sh.heal_drops);
  t.disowned_drops = as_double(sh.disowned_drops);
  // Over the whole life, until apply_window makes the rates the window's and keeps these.
#define AC_KEEP_LIFETIME(name) t.lifetime_##name = t.name;
  AC_RATE_TOTALS(AC_KEEP_LIFETIME)
#undef AC_KEEP_LIFETIME
  return t;
}

/// What the recommendations judge the node's health by.
health_sample health_of(const node_report& rep, const report_sums& s,
                        const latency_histogram& lat) {
  auto lookups = as_double(s.shards.hits + s.shards.misses);
  health_sample h;
  h.lookups = static_cast<uint64_t>(lookups);
  h.hit_rate = rep.totals.hit_rate;
  h.miss_rate = lookups > 0 ? as_double(s.shards.misses) / lookups : 0;
  h.error_rate = rep.totals.error_rate;
  h.avg_latency_ms = lat.mean() / 1000.0;
  h.usage_ratio = rep.totals.usage_ratio;
  h.evictions = static_cast<uint64_t>(s.shards.evictions);
  h.loader_failures = static_cast<uint64_t>(s.computes.failures);
  h.l2_errors = static_cast<uint64_t>(s.bridges.l2_errors);
  h.l2_corrupt = static_cast<uint64_t>(s.coalescers.l2_corrupt);
  h.breaker_open = rep.breaker == "open" || rep.breaker == "half-open";
  h.members_not_alive = static_cast<uint64_t>(rep.totals.members_not_alive);
  return h;
}

} // namespace

node_report build_report(const std::string& node_id, std::vector<actor_stats> rows,
                         const sizing_report& sizing, bool l2_enabled, const error_tally* tally) {
  node_report rep;
  rep.id = node_id;
  rep.sizing = sizing;
  rep.breaker = l2_enabled ? "closed" : "disabled";
  auto lat = lookup_latency(rows);
  report_sums s;
  for (auto& r : rows)
    add_row(s, rep, r);
  // The tally counts every error reply clients got (one failed flight answered to 1,000
  // waiters is 1,000); the actors' counters saw that flight once.
  s.errors = tally ? static_cast<double>(tally->total()) : s.actor_errors();
  rep.totals = totals_of(s, lat);
  std::sort(rep.hot_keys.begin(), rep.hot_keys.end(),
            [](auto& a, auto& b) { return a.second > b.second; });
  if (rep.hot_keys.size() > 10)
    rep.hot_keys.resize(10);
  rep.recommendations = recommend(health_of(rep, s, lat));
  rep.actors = std::move(rows);
  return rep;
}

// The totals the window takes differences of (the rest are levels: entries, bytes): written
// into the window's snapshots and read back by the same names, both from this one list.
#define AC_WINDOWED_TOTALS(X) \
  X(hits) X(misses) X(errors) X(evictions) X(loader_failures) X(l2_errors) X(l2_corrupt) X(computes)

/// The windowed totals as the window's difference gives them back.
struct windowed_totals {
#define AC_WINDOWED_MEMBER(name) double name = 0;
  AC_WINDOWED_TOTALS(AC_WINDOWED_MEMBER)
#undef AC_WINDOWED_MEMBER
};

counters_at counters_of(const node_report& rep, uint64_t time_ms) {
  counters_at c;
  c.time_ms = time_ms;
#define AC_WINDOWED_PUT(name) c.values[#name] = rep.totals.name;
  AC_WINDOWED_TOTALS(AC_WINDOWED_PUT)
#undef AC_WINDOWED_PUT
  auto lat = lookup_latency(rep.actors);
  c.latency_buckets = lat.buckets();
  c.latency_sum_us = lat.sum();
  c.latency_max_us = lat.max();
  return c;
}

void apply_window(node_report& rep, const counters_at& recent,
                  const advice_thresholds& thresholds) {
  auto& t = rep.totals;
  windowed_totals w;
  auto v = [&](const char* k) {
    auto i = recent.values.find(k);
    return i == recent.values.end() ? 0.0 : i->second; // none yet: an empty window
  };
#define AC_WINDOWED_GET(name) w.name = v(#name);
  AC_WINDOWED_TOTALS(AC_WINDOWED_GET)
#undef AC_WINDOWED_GET
  const double lookups = w.hits + w.misses;
  auto lat = latency_histogram::from_buckets(recent.latency_buckets, recent.latency_sum_us,
                                             recent.latency_max_us);
  t.window_s = static_cast<double>(recent.time_ms) / 1000.0;
  t.window_requests = lookups;
  t.window_errors = w.errors;
  set_rates(t, lookups, w.hits, w.errors, lat);
  health_sample h;
  h.lookups = static_cast<uint64_t>(lookups);
  h.hit_rate = t.hit_rate;
  h.miss_rate = lookups > 0 ? w.misses / lookups : 0;
  h.error_rate = t.error_rate;
  h.avg_latency_ms = lat.mean() / 1000.0;
  h.usage_ratio = t.usage_ratio;
  h.evictions = static_cast<uint64_t>(w.evictions);
  h.loader_failures = static_cast<uint64_t>(w.loader_failures);
  h.l2_errors = static_cast<uint64_t>(w.l2_errors);
  h.l2_corrupt = static_cast<uint64_t>(w.l2_corrupt);
  h.breaker_open = rep.breaker == "open" || rep.breaker == "half-open";
  h.members_not_alive = static_cast<uint64_t>(t.members_not_alive);
  h.window_s = t.window_s;
  rep.recommendations = recommend(h, thresholds);
}

// Long on purpose: one short handler per message of the metrics actor, read as one list.
metrics_actor::behavior_type metrics(metrics_actor::stateful_pointer<metrics_state> self,
                                     metrics_config cfg) {
  self->state.shards = cfg.shards;
  self->state.sources = cfg.sources;
  // A snapshot of zeros at start: a node younger than the window reports its whole life.
  self->state.window.set_span(static_cast<uint64_t>(cfg.window.count()));
  self->state.thresholds = cfg.thresholds;
  self->state.window.push(counters_at{static_cast<uint64_t>(steady_ms()), {}, {}, 0, 0});
  self->delayed_send(self, cfg.interval, tick_atom::value);
  return {
    [=](report_atom) -> caf::result<node_report> {
      ++self->state.handled;
      auto rp = self->make_response_promise<node_report>();
      collect(self, cfg, [=](std::vector<actor_stats> rows) mutable {
        rows.push_back(own_row(self));
        auto rep = build_report(cfg.node_id, std::move(rows), self->state.sizing, cfg.l2_enabled,
                                cfg.errors.get());
        auto now = static_cast<uint64_t>(steady_ms());
        apply_window(rep, self->state.window.since_base(counters_of(rep, now)),
                     self->state.thresholds);
        rep.totals.uptime_s =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - self->state.started)
            .count();
        rep.totals.usage_trend_bytes_per_min = self->state.history.trend_bytes_per_minute();
        rp.deliver(std::move(rep));
      });
      return rp;
    },
    [=](tick_atom) {
      ++self->state.pulls;
      collect(self, cfg, [=](std::vector<actor_stats> rows) {
        {
          auto rep =
            build_report(cfg.node_id, rows, self->state.sizing, cfg.l2_enabled, cfg.errors.get());
          self->state.window.push(counters_of(rep, static_cast<uint64_t>(steady_ms())));
        }
        uint64_t bytes = 0, entries = 0, capacity = 0;
        for (auto& r : rows)
          if (r.kind == shard_stats::kind) {
            auto x = stats_of<shard_stats>(r);
            bytes += static_cast<uint64_t>(x.bytes);
            entries += static_cast<uint64_t>(x.entries);
            capacity += static_cast<uint64_t>(x.capacity_bytes);
          }
        self->state.history.push({static_cast<uint64_t>(steady_ms()), bytes, entries, capacity});
      });
      self->delayed_send(self, cfg.interval, tick_atom::value);
    },
    [=](update_atom, const sizing_report& s) { self->state.sizing = s; },
    [=](update_atom, const advice_thresholds& t) { self->state.thresholds = t; },
    [=](update_atom, uint32_t index, const shard_actor& s) {
      if (index < self->state.shards.size())
        self->state.shards[index] = s;
    },
    [=](update_atom, const caf::actor& source) {
      self->state.sources.push_back(caf::actor_cast<stats_source>(source));
    },
    [=](stats_atom) { return own_row(self); },
  };
}

} // namespace ac
