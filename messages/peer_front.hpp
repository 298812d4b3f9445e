// The peer interface of a node's front: membership and requests other members forward to a key's owner.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include "messages/atoms.hpp"
#include "messages/lease_actor.hpp"
#include "messages/lookup.hpp"
#include "messages/put_status.hpp"
#include "messages/routing.hpp"

namespace ac {

/// Published with the client interface (a peer reaches a node where a client does), but
/// checked by sender: membership changes are taken from members only (a heartbeat from an
/// unknown node is judged like a join, a leave only from the member's own node, an
/// invalidation only from a member). `route_atom` marks a request a peer already forwarded
/// (never forwarded again); its trailing uint64_t is the sender's membership epoch. Routed
/// requests are the data plane: anyone may send them who may send the client interface.
using peer_front_actor = caf::typed_actor<
  // A get forwarded by a peer that believes this node owns the key.
  caf::replies_to<route_atom, get_atom, std::string, uint64_t>::with<lookup_result>,
  // A get_many forwarded by a peer.
  caf::replies_to<route_atom, get_many_atom, std::vector<std::string>,
                  uint64_t>::with<lookup_results>,
  // A put forwarded by a peer; answers the owner shard's put_status.
  caf::replies_to<route_atom, put_atom, std::string, std::string, uint32_t,
                  uint64_t>::with<uint8_t>,
  // A conditional put (put_if) forwarded by a peer or a RESP session of another node; a put_status.
  caf::replies_to<route_atom, put_atom, std::string, std::string, uint32_t, uint8_t,
                  uint64_t>::with<uint8_t>,
  // EXISTS / PTTL / EXPIRE (key_op, key, argument) forwarded to the key's owner.
  caf::replies_to<route_atom, keyspace_atom, uint8_t, std::string, int64_t,
                  uint64_t>::with<int64_t>,
  // AC.GETORLEASE forwarded to the key's owner (key, lease ms, epoch): see lease_actor.
  caf::replies_to<route_atom, lease_atom, get_atom, std::string, uint32_t,
                  uint64_t>::with<lease_reply>,
  // AC.FILL forwarded to the key's owner (key, token, encoded Entry, ttl s, epoch).
  caf::replies_to<route_atom, lease_atom, put_atom, std::string, std::string, std::string, uint32_t,
                  uint64_t>::with<bool>,
  // AC.ABANDON forwarded to the key's owner (key, token, epoch).
  caf::replies_to<route_atom, lease_atom, delete_atom, std::string, std::string,
                  uint64_t>::with<bool>,
  // A member, the key's new owner, asks this node, its previous owner, before it grants a lease
  // (key, lease ms, the caller's connection, epoch): see lease_actor.
  caf::replies_to<route_atom, lease_atom, handoff_atom, std::string, uint32_t, caf::actor,
                  uint64_t>::with<lease_reply>,
  // The key's new owner asks this node, its previous owner, before computing it (key, epoch):
  // the value, the answer of a flight under way, or a miss (core/ownership_handoff.hpp).
  caf::replies_to<route_atom, handoff_atom, std::string, uint64_t>::with<lookup_result>,
  // The hottest keys this node serves, at most n (n, epoch): a node that joins or rejoins
  // loads those it now owns from L2 before its clients ask (warming).
  caf::replies_to<route_atom, hot_atom, uint32_t, uint64_t>::with<hot_key_list>,
  // The same for a member that joins or comes back (n, its id, epoch): only keys it owns (in this
  // node's view with it counted a member), and besides the hot lists the L1 entries this node
  // holds of its range, the keys this node served for it while it was away. Hottest first.
  caf::replies_to<route_atom, hot_atom, uint32_t, std::string, uint64_t>::with<hot_key_list>,
  // A delete forwarded by a peer.
  caf::replies_to<route_atom, delete_atom, std::string, uint64_t>::with<bool>,
  // A node asks to join through this one; the answer is the member list it joins.
  caf::replies_to<join_atom, member_info>::with<membership_view>,
  // Push-pull gossip between members: each side merges the other's view.
  caf::replies_to<heartbeat_atom, membership_view>::with<membership_view>,
  // A member announces that it leaves the cluster.
  caf::reacts_to<leave_atom, std::string>,
  // The owner of a key changed or erased it: drop any near copy of it at once.
  caf::reacts_to<invalidate_atom, std::string>>;

} // namespace ac
