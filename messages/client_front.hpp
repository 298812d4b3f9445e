// The client interface of a node's front: what clients and consoles send to the published port.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include "messages/atoms.hpp"
#include "messages/lookup.hpp"
#include "messages/put_status.hpp"
#include "messages/routing.hpp"
#include "messages/stats.hpp"

namespace ac {

/// Requests from clients may be forwarded once to the key's owner.
using client_front_actor = caf::typed_actor<
  // Reads one key: found with its Entry bytes, or a miss; errors name the reason.
  caf::replies_to<get_atom, std::string>::with<lookup_result>,
  // Reads many keys; the results come back in the order of the keys.
  caf::replies_to<get_many_atom, std::vector<std::string>>::with<lookup_results>,
  // Stores an Entry under a key for ttl seconds (0 = cache.default-ttl); answers a put_status
  // (stored, or stored_l1_only while Redis is down under redis.write-policy=l1-when-down).
  caf::replies_to<put_atom, std::string, std::string, uint32_t>::with<uint8_t>,
  // Erases a key; true when it was there.
  caf::replies_to<delete_atom, std::string>::with<bool>,
  // EXISTS / PTTL / EXPIRE from a client (key_op, key, argument): forwarded once to the owner.
  caf::replies_to<keyspace_atom, uint8_t, std::string, int64_t>::with<int64_t>,
  // Lists this node's L1 keys matching a glob (cursor, pattern, about how many keys at most).
  caf::replies_to<scan_atom, uint64_t, std::string, uint32_t>::with<scan_page>,
  // Drops every entry of this node's L1 (L2 keeps its copies); answers how many were dropped.
  caf::replies_to<flush_atom>::with<uint64_t>,
  // The node's statistics: one row per actor, totals, recommendations.
  caf::replies_to<report_atom>::with<node_report>,
  // The front's own counters (one row of the node report).
  caf::replies_to<stats_atom>::with<actor_stats>,
  // The cluster as this node sees it.
  caf::replies_to<members_atom>::with<membership_view>,
  // Removes a down or left member from this node's list; refused for a live one.
  caf::replies_to<members_atom, delete_atom, std::string>::with<bool>>;

} // namespace ac
