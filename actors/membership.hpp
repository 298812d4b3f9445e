// The membership actor: the member list, joins and leaves, heartbeats and failure detection.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include <caf/io/middleman_actor.hpp>

#include "messages/front_actor.hpp"
#include "messages/membership_actor.hpp"

namespace ac {

struct membership_config {
  std::string self_id;
  std::string host; ///< announced address
  uint16_t port = 0;
  uint16_t resp_port = 0; ///< announced RESP port; 0 = none
  /// What members must agree on (L2 settings, loader kind): a node that differs is refused.
  std::string signature;
  /// Called once when the cluster refuses this node (its id is taken, or its settings
  /// differ), with the reason; the node then exits 2.
  std::function<void(const std::string&)> refused;
  std::vector<std::string> seeds; ///< host:port of members to join through
  std::chrono::milliseconds heartbeat_interval{500};
  std::chrono::milliseconds failure_timeout{3000}; ///< silent this long: down
  std::chrono::milliseconds request_timeout{1000}; ///< bound on one gossip / join exchange
  front_control_actor front;          ///< this node's front: receives the routing table
  caf::io::middleman_actor connector; ///< plain or TLS middleman: connects to peers
};

membership_actor::behavior_type membership(membership_actor::pointer self, membership_config cfg);

} // namespace ac
