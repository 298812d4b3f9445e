// SIGHUP: re-reads the options that a running node can change (log level, sizing, advice, refresh-ahead) and applies them.
#pragma once

#include <atomic>
#include <string>

#include <caf/timespan.hpp>

#include "messages/node_actors.hpp"
#include "node/node_config.hpp"

namespace ac {

/// The options a SIGHUP reloads. Everything else (ports, shards, Redis, loader, cluster) is
/// fixed at start: changing it would need new actors or a new identity in the cluster.
struct reloadable_settings {
  std::string log_level = "info";  ///< log.level
  caf::timespan sizing_interval{}; ///< sizing.interval (from the next tick on)
  double sizing_cpu_target = 70;   ///< sizing.cpu-target
  bool sizing_memory_rule = true;  ///< sizing.memory-rule (from the next tick on)
  bool sizing_cpu_rule = true;     ///< sizing.cpu-rule (from the next tick on)
  advice_thresholds advice;        ///< recommendations.* (the next report on)
  double refresh_ahead = 0.8;      ///< cache.refresh-ahead (the next hit on)

  bool same_sizing(const reloadable_settings& o) const {
    return sizing_interval == o.sizing_interval && sizing_cpu_target == o.sizing_cpu_target
           && sizing_memory_rule == o.sizing_memory_rule && sizing_cpu_rule == o.sizing_cpu_rule;
  }
};

reloadable_settings reloadable_of(const node_config& cfg);

/// Parses the config file and the command line again, exactly as at start (the flags still
/// win over the file) and validates them. On success fills *out and returns ""; otherwise
/// returns a message naming the bad option and leaves *out alone.
std::string reread_settings(int argc, char** argv, reloadable_settings* out);

/// What differs, e.g. "log.level info -> debug, sizing.interval 5000ms -> 1000ms"; "" when nothing.
std::string describe_changes(const reloadable_settings& before, const reloadable_settings& after);

/// Handles one SIGHUP: rereads, logs what changes (or why nothing does), applies the log level
/// and tells the sizing supervisor. A bad config keeps every setting as it was; the node stays.
/// `refresh_ahead` is the knob every shard reads cache.refresh-ahead from (null: not reloaded).
void reload_settings(int argc, char** argv, reloadable_settings& current,
                     const sizing_supervisor_actor& supervisor, const metrics_actor& metrics,
                     std::atomic<double>* refresh_ahead = nullptr);

} // namespace ac
