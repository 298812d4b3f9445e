// The typed interface of the membership actor: who is in the cluster, and who owns which key.
#pragma once

#include <string>

#include <caf/replies_to.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "messages/atoms.hpp"
#include "messages/stats.hpp"

namespace ac {

using membership_actor = caf::typed_actor<
  // The member list as this node sees it.
  caf::replies_to<members_atom>::with<membership_view>,
  // A node joins through this one; the answer is the member list including it.
  caf::replies_to<join_atom, member_info>::with<membership_view>,
  // Push-pull gossip: merge the peer's view, answer with ours.
  caf::replies_to<heartbeat_atom, membership_view>::with<membership_view>,
  // Forgets a down or left member (no more reconnects); refused for a live one or this node.
  caf::replies_to<delete_atom, std::string>::with<bool>,
  // A member announces that it leaves.
  caf::reacts_to<leave_atom, std::string>,
  // This node leaves: tell every member, answer once they were told (or timed out).
  caf::replies_to<leave_atom>::with<bool>,
  // Periodic: heartbeats out, failure detection in.
  caf::reacts_to<tick_atom>,
  // Counters for the metrics actor.
  caf::replies_to<stats_atom>::with<actor_stats>>;

} // namespace ac
