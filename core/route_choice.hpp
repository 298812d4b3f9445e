// Route choice: which member a client sends a key to, and whether it must go direct.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/rendezvous_ring.hpp"

namespace ac {

/// Where a client sends a key. `member` points into the `reachable` ring's members (valid
/// until its next set_members); nullptr when no member is reachable.
struct route_choice {
  const std::string* member = nullptr;
  /// Send it as an already-routed request, so the node serves it itself instead of
  /// forwarding it (to an owner it believes alive that the client cannot reach).
  bool direct = false;
};

/// The owner of `key_hash` among the `reachable` members, or its runner-up when the owner is
/// `avoid` (it just failed this request) and another member is left; a runner-up always goes
/// direct, since its node would forward the key back to the owner. Otherwise the key goes
/// direct when the cluster's own view (`reported`, empty when the cluster reported nothing)
/// names another owner: a member died and the nodes have not noticed yet.
route_choice choose_route(const rendezvous_ring& reachable, const rendezvous_ring& reported,
                          uint64_t key_hash, std::string_view avoid = {});

} // namespace ac
