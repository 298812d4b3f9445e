// The routing table the membership actor hands to the front: who is alive and who owns what.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <caf/actor.hpp>
#include <caf/meta/type_name.hpp>

namespace ac {

/// Alive members at one epoch and the front actor of each (ids[i] <-> fronts[i]); the entry of
/// this node holds an invalid handle. Keys are owned by rendezvous hashing over `ids`.
struct routing_table {
  uint64_t epoch = 0;
  std::string self;
  std::vector<std::string> ids;
  std::vector<caf::actor> fronts;
  std::vector<std::string> resp_addresses; ///< ids[i]'s RESP host:port ("" = none)
  /// Members this node has seen come back after it had marked them down, counted since start.
  /// Both sides of a partition took over each other's keys meanwhile, so when it grows the
  /// front drops L1 (messages/shard_actor.hpp, ownership_atom).
  uint64_t heals = 0;
  /// Members that left cleanly and still finish their flights, and their fronts: a key's new
  /// owner asks them before computing (core/ownership_handoff).
  std::vector<std::string> draining_ids;
  std::vector<caf::actor> draining_fronts;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, routing_table& x) {
  return f(caf::meta::type_name("routing_table"), x.epoch, x.self, x.ids, x.fronts,
           x.resp_addresses, x.heals, x.draining_ids, x.draining_fronts);
}

} // namespace ac
