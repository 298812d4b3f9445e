// The front actor: the node's published entry point; validates keys and routes them to shards or owners.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "core/latency_histogram.hpp"
#include "core/rendezvous_ring.hpp"
#include "messages/front_actor.hpp"
#include "messages/membership_actor.hpp"
#include "messages/node_actors.hpp"
#include "messages/shard_actor.hpp"

namespace ac {

struct front_config {
  std::string node_id;
  uint32_t max_key_bytes = 512;                       ///< cache.max-key-bytes
  std::chrono::milliseconds forward_timeout{5000};    ///< bound on a request forwarded to a peer
  std::vector<shard_actor> shards;                    ///< the node's shards, by index
};

struct front_state {
  std::vector<shard_actor> shards;
  metrics_actor metrics;       ///< set by the wiring after spawn (update_atom)
  membership_actor membership; ///< set by the wiring after spawn (update_atom)
  routing_table routes;        ///< alive members and their fronts (from membership)
  rendezvous_ring ring;        ///< ownership over routes.ids
  uint64_t handled = 0;
  uint64_t forwarded = 0;      ///< requests sent on to their owner node
  uint64_t refused = 0;        ///< bad keys
  static inline const char* name = "front";
};

front_actor::behavior_type front(front_actor::stateful_pointer<front_state> self, front_config cfg);

} // namespace ac
