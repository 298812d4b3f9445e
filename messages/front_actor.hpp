// The front's interfaces put together: what a node publishes (client + peer) and what the front itself is (+ control).
#pragma once

#include "messages/client_front.hpp"
#include "messages/front_control.hpp"
#include "messages/peer_front.hpp"

namespace ac {

/// The actor a node publishes on `node.port` (its front gate) and that peers hold for it.
using front_actor = client_front_actor::extend_with<peer_front_actor>;

/// The front itself: the published interfaces plus control, which only the node's own actors
/// (wiring, membership, supervisor) hold. Never published.
using node_front_actor = front_actor::extend_with<front_control_actor>;

} // namespace ac
