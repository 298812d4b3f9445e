// The typed interface of a shard: one partition of the node's L1.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <caf/replies_to.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "messages/atoms.hpp"
#include "messages/lookup.hpp"
#include "messages/miss_path_actors.hpp"
#include "messages/put_status.hpp"
#include "messages/stats.hpp"

namespace ac {

using shard_actor = caf::typed_actor<
  // Reads one key of this shard; a miss is handed to the shard's coalescer when a loader or L2 exists.
  caf::replies_to<get_atom, std::string>::with<lookup_result>,
  // Reads one key from L1 only: never loads (leases: the caller computes).
  caf::replies_to<peek_atom, std::string>::with<lookup_result>,
  // A hand-off ask from the key's new owner (key, may fence): L1's value, else the coalescer's answer.
  caf::replies_to<handoff_atom, std::string, bool>::with<lookup_result>,
  // Reads several keys of this shard, in order.
  caf::replies_to<get_many_atom, std::vector<std::string>>::with<lookup_results>,
  // Stores an Entry (ttl 0 = default); refuses invalid or oversized values. Answers a put_status:
  // stored, or stored_l1_only under redis.write-policy=l1-when-down when Redis did not take it.
  caf::replies_to<put_atom, std::string, std::string, uint32_t>::with<uint8_t>,
  // Stores an Entry when a put_if condition holds; a put_status, not_stored when it does not.
  caf::replies_to<put_atom, std::string, std::string, uint32_t, uint8_t>::with<uint8_t>,
  // EXISTS / PTTL / EXPIRE of one key (key_op, key, argument): see key_op for the answers.
  caf::replies_to<keyspace_atom, uint8_t, std::string, int64_t>::with<int64_t>,
  // Lists live keys of this shard matching a glob (cursor, pattern, at most about n keys); cursor 0 = done.
  caf::replies_to<scan_atom, uint64_t, std::string, uint32_t>::with<scan_page>,
  // Drops every entry of this shard's L1; answers how many were dropped.
  caf::replies_to<flush_atom>::with<uint64_t>,
  // Erases a key; true when it was there. Under l1-when-down with Redis down the erase is
  // remembered until Redis has it (counted as l1_only_deletes), not reported in the reply.
  caf::replies_to<delete_atom, std::string>::with<bool>,
  // A loaded value (from L2 or compute) enters L1 (key, value, ttl s, the store's write_seq when
  // the miss was seen); sent by the coalescer, which holds on to the value until this answer
  // tells it the shard has it. False: the key was written since (a SET or DEL must win over a
  // load that began before it), so the value was dropped, and must not go to L2 either.
  caf::replies_to<fill_atom, std::string, std::string, uint32_t, uint64_t>::with<bool>,
  // The same for a computed value, which goes to L2 as well when it is kept: written by the
  // shard, in the key's order of writes, so that a SET right after it cannot reach Redis first
  // and be overwritten there by the older value.
  caf::replies_to<fill_atom, l2_put_atom, std::string, std::string, uint32_t, uint64_t>::with<bool>,
  // A value loaded ahead of demand enters L1 when the put_if condition holds (warming sends
  // absent: a put that came in meanwhile is newer than what L2 gave), and the key was not
  // written since the warm began (the last element, the store's write_seq then: a DEL that
  // reached Redis after the warm's read must not see the value come back).
  caf::reacts_to<fill_atom, std::string, std::string, uint32_t, uint8_t, uint64_t>,
  // L2 answered that it does not hold the key, for a load that began at the store's write_seq
  // (the last element), and nothing computes a missing value: L1 reads the key as absent for
  // redis.absent-ttl, until it is written or filled (core/absent_marks).
  caf::reacts_to<absent_atom, std::string, uint64_t>,
  // The member set changed (routing epoch, healed): with healed (a member came back from down,
  // or this node from being cut off) every entry is dropped at once, since the other side may
  // have changed any key meanwhile; either way, once the hand-off window has passed, entries of
  // keys this node no longer owns are dropped, so none outlives its loss of ownership.
  caf::reacts_to<ownership_atom, uint64_t, bool>,
  // One slice of the drop of entries this node no longer owns (cursor, epoch; self-sent).
  caf::reacts_to<ownership_atom, sweep_atom, uint64_t, uint64_t>,
  // The shard's hottest keys, at most n (warming: peers and this node's warmer ask).
  caf::replies_to<hot_atom, uint32_t>::with<hot_key_list>,
  // Resident entries, hottest first, at most n (n, owner): those whose key `owner` owns in this
  // node's view with `owner` counted a member ("" = any owner). A node's own warming list (saved
  // to L2 for its restart) and what peers name to a member that joins: the entries they served
  // for it while it was away. Examines a bounded slice of the shard per ask (warm_list.hpp).
  caf::replies_to<hot_atom, scan_atom, uint32_t, std::string>::with<hot_key_list>,
  // Loads a key from L2 into L1 ahead of demand when L1 lacks it (warming); never computes.
  caf::replies_to<warm_atom, std::string>::with<lookup_result>,
  // A RESP session's hit found this hot key due for refresh-ahead (key, ms its entry has left)
  // and marked it in the shard_store: the shard starts the one background refresh.
  // (The last element: the store's write_seq when that hit was read, as for a fill.)
  caf::reacts_to<refresh_atom, std::string, int64_t, uint64_t>,
  // A key of this shard predicted to be read soon (warming.predictive): when L1 lacks it, the
  // coalescer warms it from L2. Sent by any shard of this node on a miss.
  caf::reacts_to<prefetch_atom, std::string>,
  // Sets the shard's byte and entry budgets; evicts down at once.
  caf::reacts_to<resize_atom, uint64_t, uint64_t>,
  // Drops expired entries (periodic, self-sent).
  caf::reacts_to<sweep_atom>,
  // Counters for the metrics actor: the shard's row and its coalescer's.
  caf::replies_to<stats_atom>::with<std::vector<actor_stats>>,
  // The supervisor hands over a restarted bridge or compute actor (either may be null).
  caf::reacts_to<update_atom, redis_bridge_actor, compute_actor>,
  // Test and drill hook: the shard fails with the given reason.
  caf::reacts_to<fail_atom, std::string>>;

} // namespace ac
