// Statistics that actors report to the metrics actor, and the node report the console shows.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <caf/meta/type_name.hpp>

#include "core/member_info.hpp"
#include "core/recommendations.hpp"
#include "messages/node_totals.hpp"

namespace ac {

/// One actor's counters at the moment it was asked. `counters` holds what is particular to
/// its kind (hits, misses, evictions, computes, ...); the latency histogram travels as its
/// buckets so that the metrics actor can merge them (core/latency_histogram).
struct actor_stats {
  std::string name;                        ///< e.g. "shard-3"
  std::string kind;                        ///< front|shard|coalescer|redis_bridge|compute|...
  uint64_t mailbox = 0;                    ///< messages waiting when asked
  uint64_t handled = 0;                    ///< messages handled since start
  std::map<std::string, int64_t> counters; ///< kind-specific counters and gauges
  std::vector<uint64_t> latency_buckets;   ///< latency_histogram::buckets(), may be empty
  uint64_t latency_sum_us = 0;
  uint64_t latency_max_us = 0;
  std::vector<std::pair<std::string, uint64_t>> hot_keys; ///< shards: hottest keys, estimated reads
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, actor_stats& x) {
  return f(caf::meta::type_name("actor_stats"), x.name, x.kind, x.mailbox, x.handled, x.counters,
           x.latency_buckets, x.latency_sum_us, x.latency_max_us, x.hot_keys);
}

/// A sizing decision of the sizing supervisor (core/sizing_rules).
struct sizing_report {
  double memory_factor = 1.0;
  double cpu_factor = 1.0;
  uint64_t capacity_bytes = 0;
  std::string reason;
  bool memory_rule = true;         ///< sizing.memory-rule
  double memory_rule_factor = 1.0; ///< what the memory rule asks for (applied only when on)
  bool cpu_rule = true;            ///< sizing.cpu-rule
  double cpu_rule_factor = 1.0; ///< what the CPU rule asks for (applied only when on and measured)
  bool cpu_measured = false;    ///< false until the second CPU reading
  uint64_t base_bytes = 0;      ///< capacity at factor 1
  uint64_t max_bytes = 0;       ///< cache.max-bytes: the hard cap
};

/// core's advice_thresholds as a message (SIGHUP reload of recommendations.*).
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, advice_thresholds& x) {
  return f(caf::meta::type_name("advice_thresholds"), x.min_hit_rate, x.max_latency_ms,
           x.max_error_rate, x.high_usage, x.warn_usage, x.low_usage);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, sizing_report& x) {
  return f(caf::meta::type_name("sizing_report"), x.memory_factor, x.cpu_factor, x.capacity_bytes,
           x.reason, x.memory_rule, x.memory_rule_factor, x.cpu_rule, x.cpu_rule_factor,
           x.cpu_measured, x.base_bytes, x.max_bytes);
}

/// Everything `actorcache-console stats` shows for one node.
struct node_report {
  std::string id;
  node_totals totals;  ///< hits, misses, hit_rate, entries, bytes, p50_us, ...
  std::string breaker; ///< closed|open|half-open|disabled
  sizing_report sizing;
  std::vector<actor_stats> actors;
  std::vector<std::string> recommendations;
  std::vector<std::pair<std::string, uint64_t>> hot_keys;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, node_report& x) {
  return f(caf::meta::type_name("node_report"), x.id, x.totals, x.breaker, x.sizing, x.actors,
           x.recommendations, x.hot_keys);
}

// member_info and membership_view are plain data in core/member_info.hpp; on the wire here.
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, member_info& x) {
  return f(caf::meta::type_name("member_info"), x.id, x.address, x.state, x.epoch, x.share,
           x.last_heartbeat_ms, x.resp_address, x.signature);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, membership_view& x) {
  return f(caf::meta::type_name("membership_view"), x.epoch, x.self, x.members);
}

} // namespace ac
