// Discovering the cluster behind the --node addresses, and the actor that keeps the routing table current.
#pragma once

#include <string>
#include <vector>

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>
#include <caf/atom.hpp>
#include <caf/expected.hpp>
#include <caf/timespan.hpp>

#include "clients/cpp/cluster_map.hpp"

namespace ac {

/// Asks the directory for its current cluster_map_ptr.
using table_atom = caf::atom_constant<caf::atom("rtable")>;
/// (refresh_atom, uint64_t seen_version, std::string failed_id, bool down) -> cluster_map_ptr:
/// a request to member `failed_id` failed (down: its proxy reported down). The answer is
/// a table newer than `seen_version` when one exists or could be built, else the current one.
using refresh_atom = caf::atom_constant<caf::atom("refresh")>;

/// Connects to the first reachable of `nodes`, asks it for the members, and connects to every
/// alive one. With a single member, or when the node cannot tell its members, the table holds
/// just that node. With `follow_members` false (client --route=any) the table holds just the
/// first reachable node and no reported members, so every request goes to it as a plain
/// request and that node forwards it to the key's owner. Blocking: call from main. Errors
/// when no node is reachable.
caf::expected<cluster_map_ptr> discover_cluster(caf::actor_system& sys,
                                                const std::vector<std::string>& nodes,
                                                caf::timespan timeout, bool follow_members = true);

/// Spawns the directory that owns the table from here on. It monitors every member, drops
/// one when its proxy goes down (and never takes it back during this run: a killed node's
/// peers may still list it as alive for a while), and on a refresh after a timeout asks a
/// member for the members again. Send it an exit when done.
caf::actor spawn_directory(caf::actor_system& sys, cluster_map_ptr table, caf::timespan timeout);

} // namespace ac
