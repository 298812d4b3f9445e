// A cluster member as nodes tell each other about it: its id, addresses and state, and the member list of one node.
//
// Plain data, shared by the membership protocol (core/membership_protocol) and the wire
// (messages/stats.hpp adds CAF's inspect for it).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ac {

/// A member's state as one node judges it. Only `alive` members own keys.
enum class member_state : uint8_t {
  suspect, ///< heard of (gossip, a seed) but not reached by this node yet
  alive,   ///< answered this node within the failure timeout
  down,    ///< silent past the failure timeout, or its connection broke
  left,    ///< said it leaves (SIGTERM); a later join is a new member
};

/// "suspect", "alive", "down", "left": the words of `members`, JSON and INFO.
std::string_view to_string(member_state s);

/// The state a word names; nullopt for anything else.
std::optional<member_state> parse_member_state(std::string_view word);

/// One cluster member as a node sees it.
struct member_info {
  std::string id;
  std::string address; ///< host:port of its CAF port
  member_state state = member_state::suspect;
  uint64_t epoch = 0;            ///< epoch at which the state last changed
  double share = 0;              ///< share of keys it owns
  int64_t last_heartbeat_ms = 0; ///< ms since epoch (system clock), 0 = never
  std::string resp_address;      ///< host:port of its Redis-protocol port; "" = none
  std::string signature;         ///< L2 settings and loader kind: members must agree on them
};

/// The member list of the cluster as one node sees it.
struct membership_view {
  uint64_t epoch = 0;
  std::string self;
  std::vector<member_info> members;
};

} // namespace ac
