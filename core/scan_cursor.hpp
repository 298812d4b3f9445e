// A node's SCAN cursor: which shard, and where in that shard's table; shared by the front and the RESP edge.
#pragma once

#include <cstdint>

namespace ac {

/// The top 16 bits name the shard, the low 48 bits are that shard's own cursor
/// (cache_store::scan keeps it below the shard's bucket count, far below 2^48).
inline constexpr int shard_cursor_bits = 48;
inline constexpr uint64_t shard_cursor_mask = (uint64_t{1} << shard_cursor_bits) - 1;

/// The shard a node cursor names.
inline uint64_t scan_shard_of(uint64_t cursor) { return cursor >> shard_cursor_bits; }

/// The cursor within that shard.
inline uint64_t scan_in_shard(uint64_t cursor) { return cursor & shard_cursor_mask; }

/// The node cursor after shard `shard` (of `shards`) answered with its own cursor `next`:
/// further into the same shard, the next shard from its start, or 0 once the last is through.
inline uint64_t next_scan_cursor(uint64_t shard, uint64_t shards, uint64_t next) {
  if (next != 0)
    return (shard << shard_cursor_bits) | next;
  return shard + 1 < shards ? (shard + 1) << shard_cursor_bits : 0;
}

} // namespace ac
