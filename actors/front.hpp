// The front actor: the node's published entry point; validates keys and routes them to shards or owners.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "actors/route_view.hpp"
#include "actors/shard_store.hpp"
#include "core/latency_histogram.hpp"
#include "core/near_copies.hpp"
#include "core/ownership_handoff.hpp"
#include "core/rendezvous_ring.hpp"
#include "messages/front_actor.hpp"
#include "messages/kind_stats.hpp"
#include "messages/membership_actor.hpp"
#include "messages/node_actors.hpp"
#include "messages/shard_actor.hpp"

namespace ac {

struct front_config {
  std::string node_id;
  uint32_t max_key_bytes = 512;                    ///< cache.max-key-bytes
  std::chrono::milliseconds forward_timeout{5000}; ///< bound on a request forwarded to a peer
  std::vector<shard_actor> shards;                 ///< the node's shards, by index
  std::vector<std::shared_ptr<shard_store>>
    stores;                  ///< their stores, for RESP sessions' inline hits (may be empty)
  uint64_t max_inflight = 0; ///< queued requests before `overloaded` (0 = no bound)
  uint32_t max_keys_per_request = 10000;   ///< node.max-keys-per-request: bound on one get_many
  std::chrono::milliseconds hot_ttl{1000}; ///< life of a near copy of a peer's hot key (0 = none)
  size_t max_near_copies = 4096;           ///< bound on near copies kept
  uint16_t resp_port = 0;                  ///< the RESP port; 0 = none
  std::shared_ptr<route_view> view;        ///< where routes are published for the RESP edge
  lease_actor leases;                      ///< the node's lease keeper
  std::chrono::milliseconds handoff_window{
    10000};            ///< hand-off of flights after a change (load timeout)
  warmer_actor warmer; ///< told to warm on a join or heal (null: warming off)
};

struct front_state {
  std::vector<shard_actor> shards;
  metrics_actor metrics;       ///< set by the wiring after spawn (update_atom)
  membership_actor membership; ///< set by the wiring after spawn (update_atom)
  routing_table routes;        ///< alive members and their fronts (from membership)
  rendezvous_ring ring;        ///< ownership over routes.ids
  ownership_change change;     ///< the member set before the last change (hand-off of flights)
  std::optional<std::chrono::steady_clock::time_point> joined_at; ///< first view with other members
  uint64_t handled = 0;
  /// What it counted: requests forwarded to their owner, refused (bad keys), overloaded (too
  /// many queued), near_hits (answered from a near copy), refused_control (control or leave
  /// messages from outside the node), near_invalidated (copies dropped: the owner changed the
  /// key), heals (acted on: L1 dropped, warming started). The rest is filled in when it reports.
  front_stats counts;
  uint64_t heals_seen = 0; ///< routing_table::heals of the last view (a larger one is a heal)
  near_copies near;        ///< near copies of peers' hot keys (bound set from front_config)
  static inline const char* name = "front";
};

/// The front itself (client, peer and control interfaces); the node publishes its gate instead.
node_front_actor::behavior_type front(node_front_actor::stateful_pointer<front_state> self,
                                      front_config cfg);

} // namespace ac
