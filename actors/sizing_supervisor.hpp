// The sizing supervisor: sizes L1 from free memory and CPU load, and restarts failed actors.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "actors/compute.hpp"
#include "actors/redis_bridge.hpp"
#include "actors/shard.hpp"
#include "core/system_readers.hpp"
#include "messages/front_actor.hpp"
#include "messages/node_actors.hpp"

namespace ac {

struct sizing_supervisor_config {
  std::chrono::milliseconds interval{5000}; ///< sizing.interval
  uint64_t base_bytes =
    256ull << 20;                 ///< sizing.base-bytes (or cache.max-bytes): capacity at factor 1
  uint64_t max_bytes = 0;         ///< cache.max-bytes: the hard cap (0 = base_bytes)
  bool memory_rule = true;        ///< sizing.memory-rule
  bool cpu_rule = true;           ///< sizing.cpu-rule
  uint64_t max_entries = 1000000; ///< cache.max-entries (split over shards)
  double cpu_target = 70;         ///< sizing.cpu-target
  uint32_t max_restarts = 5;      ///< supervision.max-restarts within `window`
  std::chrono::milliseconds window{60000}; ///< supervision.window
  std::shared_ptr<memory_reader> memory;   ///< injected in tests
  std::shared_ptr<cpu_reader> cpu;         ///< injected in tests
  std::vector<shard_config> shard_configs; ///< to restart a shard as it was
  std::vector<shard_actor> shards;         ///< the running shards, by index
  redis_bridge_config bridge_options;      ///< to restart the bridge
  redis_bridge_actor bridge;               ///< may be null
  compute_config compute_options;          ///< to restart compute
  compute_actor compute;                   ///< may be null
  front_control_actor front;               ///< this node's front: learns restarted shards
  metrics_actor metrics;                   ///< learns restarted shards and decisions
  warmer_actor warmer;                     ///< learns a restarted bridge (null: no warming)
};

struct sizing_supervisor_state {
  sizing_supervisor_config cfg;
  sizing_report current;
  std::vector<uint64_t> ghost_seen;         ///< ghost hits per shard at the last tick
  std::vector<double> gains;                ///< estimated hit-rate gain per shard
  std::map<std::string, uint64_t> restarts; ///< per actor name
  std::deque<std::chrono::steady_clock::time_point> recent_restarts;
  bool degraded = false;
  /// Actors this supervisor spawned as replacements; ended with it.
  std::shared_ptr<std::vector<caf::actor>> spawned = std::make_shared<std::vector<caf::actor>>();
  uint64_t handled = 0, decisions = 0;
  static inline const char* name = "sizing_supervisor";
};

sizing_supervisor_actor::behavior_type sizing_supervisor(
  sizing_supervisor_actor::stateful_pointer<sizing_supervisor_state> self,
  sizing_supervisor_config cfg);

} // namespace ac
