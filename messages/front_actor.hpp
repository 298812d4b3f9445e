// The typed interface of a node's entry actor: what clients, consoles and peer nodes may send.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>
#include <caf/typed_event_based_actor.hpp>
#include <caf/stateful_actor.hpp>

#include "messages/atoms.hpp"
#include "messages/lease_actor.hpp"
#include "messages/lookup.hpp"
#include "messages/routing.hpp"
#include "messages/stats.hpp"

namespace ac {

/// The actor a node publishes on `node.port`. Requests from clients may be forwarded once to
/// the key's owner; `route_atom` marks a request a peer already forwarded (never forwarded again).
/// The trailing uint64_t of a routed request is the sender's membership epoch.
using front_actor = caf::typed_actor<
  // Reads one key: found with its Entry bytes, or a miss; errors name the reason.
  caf::replies_to<get_atom, std::string>::with<lookup_result>,
  // Reads many keys; the results come back in the order of the keys.
  caf::replies_to<get_many_atom, std::vector<std::string>>::with<lookup_results>,
  // Stores an Entry under a key for ttl seconds (0 = cache.default-ttl); true once stored.
  caf::replies_to<put_atom, std::string, std::string, uint32_t>::with<bool>,
  // Erases a key; true when it was there.
  caf::replies_to<delete_atom, std::string>::with<bool>,
  // EXISTS / PTTL / EXPIRE from a client (key_op, key, argument): forwarded once to the owner.
  caf::replies_to<keyspace_atom, uint8_t, std::string, int64_t>::with<int64_t>,
  // Lists this node's L1 keys matching a glob (cursor, pattern, about how many keys at most).
  caf::replies_to<scan_atom, uint64_t, std::string, uint32_t>::with<scan_page>,
  // Drops every entry of this node's L1 (L2 keeps its copies); answers how many were dropped.
  caf::replies_to<flush_atom>::with<uint64_t>,
  // A get forwarded by a peer that believes this node owns the key.
  caf::replies_to<route_atom, get_atom, std::string, uint64_t>::with<lookup_result>,
  // A get_many forwarded by a peer.
  caf::replies_to<route_atom, get_many_atom, std::vector<std::string>, uint64_t>::with<lookup_results>,
  // A put forwarded by a peer.
  caf::replies_to<route_atom, put_atom, std::string, std::string, uint32_t, uint64_t>::with<bool>,
  // A conditional put (put_if) forwarded by a peer or a RESP session of another node.
  caf::replies_to<route_atom, put_atom, std::string, std::string, uint32_t, uint8_t, uint64_t>::with<bool>,
  // EXISTS / PTTL / EXPIRE (key_op, key, argument) forwarded to the key's owner.
  caf::replies_to<route_atom, keyspace_atom, uint8_t, std::string, int64_t, uint64_t>::with<int64_t>,
  // AC.GETORLEASE forwarded to the key's owner (key, lease ms, epoch): see lease_actor.
  caf::replies_to<route_atom, lease_atom, get_atom, std::string, uint32_t, uint64_t>::with<lease_reply>,
  // AC.FILL forwarded to the key's owner (key, token, encoded Entry, ttl s, epoch).
  caf::replies_to<route_atom, lease_atom, put_atom, std::string, std::string, std::string, uint32_t, uint64_t>::with<bool>,
  // AC.ABANDON forwarded to the key's owner (key, token, epoch).
  caf::replies_to<route_atom, lease_atom, delete_atom, std::string, std::string, uint64_t>::with<bool>,
  // A delete forwarded by a peer.
  caf::replies_to<route_atom, delete_atom, std::string, uint64_t>::with<bool>,
  // The node's statistics: one row per actor, totals, recommendations.
  caf::replies_to<report_atom>::with<node_report>,
  // The front's own counters (one row of the node report).
  caf::replies_to<stats_atom>::with<actor_stats>,
  // The cluster as this node sees it.
  caf::replies_to<members_atom>::with<membership_view>,
  // Removes a down or left member from this node's list; refused for a live one.
  caf::replies_to<members_atom, delete_atom, std::string>::with<bool>,
  // A node asks to join through this one; the answer is the member list it joins.
  caf::replies_to<join_atom, member_info>::with<membership_view>,
  // Push-pull gossip between members: each side merges the other's view.
  caf::replies_to<heartbeat_atom, membership_view>::with<membership_view>,
  // A member announces that it leaves the cluster.
  caf::reacts_to<leave_atom, std::string>,
  // Node-internal: the supervisor installs a restarted shard (index, shard handle).
  caf::reacts_to<update_atom, uint32_t, caf::actor>,
  // Node-internal: the wiring hands over the metrics and membership actors (in that order).
  caf::reacts_to<update_atom, caf::actor, caf::actor>,
  // Node-internal: the membership actor installs a new routing table.
  caf::reacts_to<update_atom, routing_table>>;

} // namespace ac
