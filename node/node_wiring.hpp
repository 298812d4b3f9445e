// Spawns and wires the actors of one node; shared by actorcache-node, in-process tests and benchmarks.
#pragma once

#include <atomic>
#include <memory>
#include <vector>

#include <caf/actor_system.hpp>

#include "actors/loader.hpp"
#include "actors/route_view.hpp"
#include "core/error_tally.hpp"
#include "core/system_readers.hpp"
#include "core/ttl_clock.hpp"
#include "messages/front_actor.hpp"
#include "messages/lease_actor.hpp"
#include "messages/membership_actor.hpp"
#include "messages/miss_path_actors.hpp"
#include "messages/node_actors.hpp"
#include "node/node_config.hpp"

namespace ac {

/// Handles of one node's actors. The node holds them; stop() ends them all.
struct node_handles {
  front_actor front;        ///< the front gate: what the node publishes and peers hold
  node_front_actor control; ///< the front itself (with its control interface): never published
  std::vector<shard_actor> shards;
  metrics_actor metrics;
  membership_actor membership;
  redis_bridge_actor bridge; ///< null without redis.enabled
  compute_actor compute;     ///< null with loader.kind=none
  sizing_supervisor_actor supervisor;
  warmer_actor warmer;                 ///< null with warming.enabled=false
  std::shared_ptr<route_view> routes;  ///< the front's routing snapshots, for the RESP edge
  lease_actor leases;                  ///< the lease keeper (AC.GETORLEASE ...)
  std::shared_ptr<error_tally> errors; ///< error replies sent to clients (CAF gate + RESP edge)
  /// cache.refresh-ahead as every shard reads it: a SIGHUP stores the reloaded value here.
  std::shared_ptr<std::atomic<double>> refresh_ahead;

  /// Ends every actor of the node (published ones too, or the actor_system would wait for them).
  void stop();
};

/// What a caller may replace in a node: a user's own loader, or (in tests) the readers the
/// sizing supervisor measures the machine with. Null members keep the defaults.
struct node_overrides {
  std::shared_ptr<loader> custom_loader;
  std::shared_ptr<memory_reader> memory;
  std::shared_ptr<cpu_reader> cpu;
  uint16_t resp_port = 0; ///< the RESP port the caller bound, announced to the cluster
  /// L1's clock (TTL expiry, stale hits, refresh-ahead) for every shard; null: the monotonic
  /// clock. Tests pass a manual_clock and advance it instead of waiting out a TTL.
  std::shared_ptr<const clock_source> clock;
  /// Called when the cluster refuses this node (id taken, settings differ); null = log only.
  std::function<void(const std::string&)> refused;
};

/// Spawns the node's actors. `port` is the bound port (for the node id and announcements).
node_handles spawn_node(caf::actor_system& sys, const node_config& cfg, uint16_t port,
                        node_overrides overrides = {});

} // namespace ac
