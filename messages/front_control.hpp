// The control interface of a node's front: held by the node's own actors only, never published.
#pragma once

#include <cstdint>

#include <caf/actor.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include "messages/atoms.hpp"
#include "messages/routing.hpp"

namespace ac {

/// The published actor is the front's gate (actors/front_gate), which has no handler for
/// these: a stranger who reaches the port cannot even name them.
using front_control_actor = caf::typed_actor<
  // The supervisor installs a restarted shard (index, shard handle).
  caf::reacts_to<update_atom, uint32_t, caf::actor>,
  // The wiring hands over the metrics and membership actors (in that order).
  caf::reacts_to<update_atom, caf::actor, caf::actor>,
  // The membership actor installs a new routing table.
  caf::reacts_to<update_atom, routing_table>>;

} // namespace ac
