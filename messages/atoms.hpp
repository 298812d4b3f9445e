// The atoms of actorcache's messages; CAF's own (get_atom, put_atom, delete_atom, ...) are reused where they fit.
#pragma once

#include <caf/atom.hpp>
#include <caf/type_id.hpp>

namespace ac {

using caf::delete_atom; // erase a key (or, after members_atom, a member)
using caf::flush_atom;  // drop every entry of L1
using caf::get_atom;    // read one key
using caf::join_atom;   // a node asks to join the cluster
using caf::leave_atom;  // a node announces that it leaves
using caf::put_atom;    // write one key
using caf::tick_atom;   // a timer fired
using caf::update_atom; // a supervisor hands out a restarted actor

using get_many_atom = caf::atom_constant<caf::atom("getmany")>; // read keys in order
using fill_atom = caf::atom_constant<caf::atom("fill")>;        // a loaded value enters L1
using load_atom = caf::atom_constant<caf::atom("load")>; // load a missing key (L2, then compute)
using compute_atom = caf::atom_constant<caf::atom("compute")>;     // run the loader for a key
using l2_get_atom = caf::atom_constant<caf::atom("l2get")>;        // read keys from Redis
using l2_put_atom = caf::atom_constant<caf::atom("l2put")>;        // write a key to Redis
using stats_atom = caf::atom_constant<caf::atom("stats")>;         // ask for counters
using report_atom = caf::atom_constant<caf::atom("report")>;       // ask for the node report
using resize_atom = caf::atom_constant<caf::atom("resize")>;       // change a shard's budget
using sweep_atom = caf::atom_constant<caf::atom("sweep")>;         // drop expired entries
using members_atom = caf::atom_constant<caf::atom("members")>;     // ask for the member list
using heartbeat_atom = caf::atom_constant<caf::atom("heartbeat")>; // a member is alive
using route_atom = caf::atom_constant<caf::atom("route")>; // a forwarded request from a peer
using fail_atom = caf::atom_constant<caf::atom("fail")>;   // test hook: make an actor fail
using keyspace_atom =
  caf::atom_constant<caf::atom("keyspace")>;                // EXISTS / PTTL / EXPIRE of one key
using lease_atom = caf::atom_constant<caf::atom("lease")>;  // leases: get-or-lease, fill, abandon
using l2_del_atom = caf::atom_constant<caf::atom("l2del")>; // erase a key in Redis, acknowledged
using scan_atom = caf::atom_constant<caf::atom("scan")>; // list L1 keys matching a glob, by cursor
using peek_atom = caf::atom_constant<caf::atom("peek")>; // read L1 only, never load
using invalidate_atom =
  caf::atom_constant<caf::atom("invalid")>; // drop near copies of a key that changed
using handoff_atom =
  caf::atom_constant<caf::atom("handoff")>; // a key's new owner asks its previous owner
using ownership_atom =
  caf::atom_constant<caf::atom("ownership")>;            // the member set changed: keys moved
using hot_atom = caf::atom_constant<caf::atom("hot")>;   // list the hottest keys (warming)
using warm_atom = caf::atom_constant<caf::atom("warm")>; // load a key from L2 only, ahead of demand
using refresh_atom =
  caf::atom_constant<caf::atom("refresh")>; // refresh a hot key ahead of its expiry
using absent_atom =
  caf::atom_constant<caf::atom("absent")>; // L2 answered that it does not hold a key
using prefetch_atom =
  caf::atom_constant<caf::atom("prefetch")>; // a key predicted to be read soon: warm it

} // namespace ac
