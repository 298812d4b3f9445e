// The JSON document the dashboard page polls (GET /dashboard.json), rendered from a cluster sample.
#pragma once

#include <chrono>
#include <string>

#include "node/cluster_sampler.hpp"

namespace ac {

/// One object:
/// {"self", "epoch", "taken_ms", "samples", "interval_ms",
///  "members": [{"id", "address", "resp_address", "state", "share", "last_heartbeat_ms"}],
///  "nodes": [{"id", "reachable", "error", "breaker", "hits", "misses", "hit_rate", "computes",
///             "errors", "entries", "bytes", "capacity_bytes", "p50_us", "p99_us",
///             "sizing": {"memory_factor", "cpu_factor", "capacity_bytes", "reason"},
///             "hot_keys": [[key, reads]], "recommendations": [...],
///             "series": {"t_ms": [], "hits_per_s": [], "misses_per_s": [], "computes_per_s": [],
///                        "p50_us": [], "p99_us": []}}]}
/// Counters are lifetime values of the last report; series are per sampling interval.
std::string dashboard_json(const cluster_sample& sample, std::chrono::milliseconds interval);

} // namespace ac
