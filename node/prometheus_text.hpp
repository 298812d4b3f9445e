// Renders a node report in the Prometheus text exposition format (served at /metrics).
#pragma once

#include <string>

#include "messages/stats.hpp"

namespace ac {

/// Counters, gauges, per-actor rows and latency histograms per tier (l1, miss_path, l2,
/// compute), in the form `promtool check metrics` accepts. Pure: tests call it directly.
std::string render_prometheus(const node_report& rep);

} // namespace ac
