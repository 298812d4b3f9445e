// The typed interface of a node's lease keeper: single flight for values computed by the callers (AC.GETORLEASE / AC.FILL / AC.ABANDON).
#pragma once

#include <cstdint>
#include <string>

#include <caf/meta/type_name.hpp>
#include <caf/replies_to.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "messages/atoms.hpp"
#include "messages/stats.hpp"

namespace ac {

/// What a get-or-lease answers: the value (an encoded Entry), or a lease token to compute it.
struct lease_reply {
  bool leased = false; ///< true: `token` is this caller's lease; false: `entry` is the value
  std::string token;
  std::string entry;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, lease_reply& x) {
  return f(caf::meta::type_name("lease_reply"), x.leased, x.token, x.entry);
}

/// One per node; keeps the leases of the keys the node owns (core/lease_table).
using lease_actor = caf::typed_actor<
  // Get or lease (key, lease ms): the value from L1 or L2, else a lease, else wait for the
  // holder's value (or inherit its lease). The sender is the connection that holds the lease.
  caf::replies_to<lease_atom, get_atom, std::string, uint32_t>::with<lease_reply>,
  // Fill (key, token, encoded Entry, ttl s): stores the value like a put and answers every
  // waiter; `stale_lease` when the token is not the key's current lease (nothing stored).
  caf::replies_to<lease_atom, put_atom, std::string, std::string, std::string,
                  uint32_t>::with<bool>,
  // Abandon (key, token): the lease passes to one waiting caller.
  caf::replies_to<lease_atom, delete_atom, std::string, std::string>::with<bool>,
  // The key's new owner asks its previous owner before granting (key, lease ms, the caller's
  // connection, which would hold the lease): while this node has the key leased, the caller
  // waits here and gets the value or, passed on, the lease; with no lease here, an empty reply,
  // and this node's callers of the key go to the asker for a while (core/ownership_handoff).
  caf::replies_to<lease_atom, handoff_atom, std::string, uint32_t, caf::actor>::with<lease_reply>,
  // Periodic: leases whose time ran out pass on.
  caf::reacts_to<tick_atom>,
  // Counters for the metrics actor.
  caf::replies_to<stats_atom>::with<actor_stats>>;

} // namespace ac
