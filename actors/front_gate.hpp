// The front gate: the actor a node publishes; passes the client and peer interfaces on to the front, and nothing else.
//
// Why a separate actor: CAF delivers any message that reaches a published actor's address,
// whatever the handle's static type says, so the front's control messages (new routes, a
// restarted shard) must live on an actor that is never published. The gate has no handler
// for them; it counts and drops what it does not know. `delegate` keeps the original sender,
// so the front and membership still see who asked (leave and heartbeat checks).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>

#include <caf/timespan.hpp>

#include "core/error_tally.hpp"
#include "messages/front_actor.hpp"

namespace ac {

struct front_gate_state {
  node_front_actor front;
  uint64_t handled = 0;
  uint64_t refused = 0; ///< messages outside the client and peer interfaces, dropped
  std::shared_ptr<error_tally>
    errors; ///< the node's count of error replies (clients' data requests)
  caf::timespan relay_timeout{std::chrono::seconds(30)}; ///< bound on a relayed request
  static inline const char* name = "front_gate";
};

using front_gate_actor = front_actor::stateful_pointer<front_gate_state>;

/// `errors` (may be null) counts every error the gate's clients get for get, get_many, put,
/// delete and key operations. `relay_timeout` bounds each of those (a request the front
/// delegated to a peer that died is never answered: CAF remoting only times out); it should
/// exceed the longest legitimate lookup (loader, Redis and forwarding bounds together).
front_actor::behavior_type front_gate(front_gate_actor self, node_front_actor front,
                                      std::shared_ptr<error_tally> errors = nullptr,
                                      caf::timespan relay_timeout = std::chrono::seconds(30));

} // namespace ac
