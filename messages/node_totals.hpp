// A node's totals: what its report sums up over its actors, as named fields rather than a map.
#pragma once

#include <optional>
#include <string_view>

#include <caf/meta/type_name.hpp>

namespace ac {

// Each total, named once. The metrics actor fills them (actors/metrics.cpp totals_of: what each
// one means); the console, `--json`, INFO, Prometheus and the dashboard read the fields, so a
// renamed or dropped total is a compile error there, never a silent 0. window_* and the rates
// and percentiles without lifetime_ cover the metrics window (metrics.window, a minute); the
// lifetime_* ones the node's whole life.
// clang-format off
#define AC_NODE_TOTALS(X) \
  X(hits) X(misses) X(hit_rate) X(requests) X(entries) X(bytes) X(capacity_bytes) \
  X(usage_ratio) X(evictions) X(expirations) X(stale_hits) X(refresh_ahead) X(hot_misses) \
  X(computes) X(coalesced) X(prefetches) X(prefetch_loaded) X(prefetch_hits) X(l2_hits) \
  X(l2_misses) X(l2_corrupt) X(l2_errors) X(l2_writes) X(l2_writes_dropped) X(key_waits) \
  X(errors) X(error_rate) X(p50_us) X(p95_us) X(p99_us) X(p999_us) X(avg_us) \
  X(loader_failures) X(members_not_alive) X(restarts) X(degraded) X(resp_port) \
  X(l1_only_puts) X(l1_only_deletes) X(pending_deletes) X(warming_keys) X(warming_seconds) \
  X(warming_in_progress) X(warming_listed) X(warming_saved) X(heal_drops) X(disowned_drops) \
  X(lifetime_hit_rate) X(lifetime_error_rate) X(lifetime_p50_us) X(lifetime_p95_us) \
  X(lifetime_p99_us) X(lifetime_p999_us) X(lifetime_avg_us) X(window_s) X(window_requests) \
  X(window_errors) X(uptime_s) X(usage_trend_bytes_per_min)
// clang-format on

struct node_totals {
#define AC_NODE_TOTAL_MEMBER(name) double name = 0;
  AC_NODE_TOTALS(AC_NODE_TOTAL_MEMBER)
#undef AC_NODE_TOTAL_MEMBER

  /// Calls f("name", s.name) for every total, in the order of AC_NODE_TOTALS: for what shows
  /// them all (the console's "other" line, `--json`'s node object).
  template <class Self, class F>
  static void fields(Self& s, F&& f) {
#define AC_NODE_TOTAL_VISIT(name) f(#name, s.name);
    AC_NODE_TOTALS(AC_NODE_TOTAL_VISIT)
#undef AC_NODE_TOTAL_VISIT
  }

  /// A total by the name it is shown under (tests, and `top`'s columns named on the command
  /// line); nullopt for a name no total has.
  std::optional<double> by_name(std::string_view name) const {
    std::optional<double> out;
    fields(*this, [&](const char* n, double v) {
      if (name == n)
        out = v;
    });
    return out;
  }
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, node_totals& x) {
#define AC_NODE_TOTAL_FIELD(name) , x.name
  return f(caf::meta::type_name("node_totals") AC_NODE_TOTALS(AC_NODE_TOTAL_FIELD));
#undef AC_NODE_TOTAL_FIELD
}

} // namespace ac
