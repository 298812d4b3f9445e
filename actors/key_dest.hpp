// Where one key of a multi-key read goes on this node: a local shard, or the owner node's front.
#pragma once

#include <cstdint>

#include "messages/front_actor.hpp"

namespace ac {

/// The destination partition() (core/key_partition.hpp) groups the keys of a get_many or an
/// MGET by: local shards first (by index), then owner nodes (by address).
struct key_dest {
  bool remote = false;
  uint32_t shard = 0; ///< when local
  front_actor peer;   ///< when remote

  static key_dest local(uint32_t shard) { return {false, shard, {}}; }
  static key_dest owner(front_actor peer) { return {true, 0, std::move(peer)}; }

  bool operator<(const key_dest& o) const {
    if (remote != o.remote)
      return !remote;
    return remote ? peer.address() < o.peer.address() : shard < o.shard;
  }
};

} // namespace ac
