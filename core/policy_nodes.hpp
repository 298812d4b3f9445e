// The per-entry links eviction policies thread their lists through, owned by whoever owns the entries.
#pragma once

#include <cstdint>

namespace ac {

/// A handle names one resident entry of the owner (a slot in the store's arena, an index in a
/// table); policies keep no per-entry memory of their own, only these links inside the entries.
inline constexpr uint32_t null_handle = 0xFFFFFFFFu;

/// Previous and next handle in whichever policy list the entry is on.
struct policy_hook {
  uint32_t prev = null_handle;
  uint32_t next = null_handle;
};

/// What a policy may read and write of an entry. The store implements it over its arena
/// entries (so policy bookkeeping costs 8 bytes of links plus 2 bits per entry), the keyed
/// adapter over plain arrays. Valid for a handle from on_insert until on_remove/eviction.
class policy_nodes {
public:
  virtual ~policy_nodes() = default;
  virtual policy_hook& hook(uint32_t h) = 0;
  /// Two policy-private bits per entry (W-TinyLFU keeps the segment there).
  virtual uint8_t tag(uint32_t h) const = 0;
  virtual void set_tag(uint32_t h, uint8_t tag) = 0;
  /// The entry's weight as charged against the capacity (bytes in a shard, 1 in the simulator).
  virtual uint64_t weight(uint32_t h) const = 0;
  /// The entry's 64-bit key hash (frequency sketches count by it).
  virtual uint64_t hash(uint32_t h) const = 0;
};

} // namespace ac
