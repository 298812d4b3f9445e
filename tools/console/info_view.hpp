// `actorcache-console info`: an INFO-like summary of a node (version, cluster, memory, traffic, L2).
#pragma once

#include <string>

#include "io/json.hpp"
#include "messages/stats.hpp"

namespace ac {

/// Sections of `# name` and `field: value` lines, numbers made readable (Redis's INFO shape).
std::string render_info(const node_report& r, const membership_view& v);

/// The same facts as one JSON object with raw numbers: {"node", "tool_version", "cluster":
/// {"epoch", "members", "alive"}, "memory": {"entries", "bytes", "capacity_bytes",
/// "used_ratio"}, "traffic": {"hits", "misses", "hit_rate", "p50_us", "p99_us", "computes",
/// "coalesced"}, "l2": {"breaker", "hits", "misses", "errors"}, "resp_port", "recommendations"}.
json info_json(const node_report& r, const membership_view& v);

} // namespace ac
