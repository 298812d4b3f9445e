// The lease keeper actor: a node's leases (core/lease_table) with the promises of the callers waiting on them.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>

#include <caf/actor_addr.hpp>
#include <caf/typed_response_promise.hpp>

#include "actors/route_view.hpp"
#include "core/fill_race.hpp"
#include "core/lease_table.hpp"
#include "core/ownership_handoff.hpp"
#include "core/watch_list.hpp"
#include "messages/kind_stats.hpp"
#include "messages/lease_actor.hpp"
#include "messages/miss_path_actors.hpp"

namespace ac {

struct lease_keeper_config {
  std::string node_id;
  std::shared_ptr<route_view> routes;              ///< the node's shards (current handles)
  redis_bridge_actor bridge;                       ///< L2 to consult before granting (may be null)
  std::chrono::milliseconds request_timeout{5000}; ///< bound on a shard or L2 request
  std::chrono::milliseconds tick{50};              ///< how often expired leases pass on
  lease_table::limits limits;
};

struct lease_keeper_state {
  std::unique_ptr<lease_table> table;
  /// Waiting callers, by waiter id: answered on fill (value) or grant (lease).
  std::unordered_map<uint64_t, caf::typed_response_promise<lease_reply>> waiting;
  /// Holders (connections) by address, monitored so that a closed one hands its leases on.
  std::unordered_map<caf::actor_addr, uint64_t> holder_ids;
  /// Asks reading L1 and L2 now, and the values filled while they read: an ask whose read
  /// missed a fill that landed meanwhile takes that value instead of a new lease.
  fill_race reads;
  /// Keys whose new owner asked this node and found no lease here: this node's callers of them
  /// go to that owner's keeper until the fence ends (core/ownership_handoff).
  fence_table<lease_actor> fences;
  /// Asks of previous owners under way, by that owner's front (monitored): when it goes down
  /// they end at once (decided here), not after their timeout (core/watch_list); so do those at
  /// a node the cluster declared down while its link stands (swept every tick).
  watch_list<caf::actor_addr, std::function<void()>> handoffs;
  uint64_t next_id = 0;
  lease_stats counts; ///< what it counted; leases and waiting are filled in when it reports
  static inline const char* name = "lease_keeper";
};

lease_actor::behavior_type lease_keeper(lease_actor::stateful_pointer<lease_keeper_state> self,
                                        lease_keeper_config cfg);

} // namespace ac
