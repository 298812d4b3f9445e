// The eviction policy contract every L1 policy (LRU, W-TinyLFU) implements over entry handles.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "core/policy_nodes.hpp"

namespace ac {

/// Decides which resident entries stay. Entries are handles of the owner (the store's arena
/// slots); the policy threads its lists through the entries' hooks (policy_nodes) and keeps
/// the total weight within capacity. The owner keeps the entries; when the policy says an
/// entry must go (it is already unlinked then), the owner frees it.
/// Not thread-safe: one shard actor owns one store and its policy.
class eviction_policy {
public:
  explicit eviction_policy(policy_nodes& nodes) : nodes_(nodes) {}
  virtual ~eviction_policy() = default;
  eviction_policy(const eviction_policy&) = delete;
  eviction_policy& operator=(const eviction_policy&) = delete;

  /// A resident entry was read.
  virtual void on_hit(uint32_t h, uint64_t hash) = 0;

  /// The key with this hash is about to be read: start loading what on_hit will touch.
  virtual void prefetch(uint64_t hash) const { (void)hash; }

  /// A key was looked up and not found: frequency-aware policies count it.
  virtual void on_miss(uint64_t hash) { (void)hash; }

  /// `h` just became resident with weight nodes().weight(h). Appends every entry the owner
  /// must drop to make room, which may be `h` itself when admission refuses it.
  virtual void on_insert(uint32_t h, uint64_t hash, std::vector<uint32_t>& evicted) = 0;

  /// A resident entry was overwritten; its weight went from `old_weight` to nodes().weight(h).
  virtual void on_update(uint32_t h, uint64_t hash, uint64_t old_weight,
                         std::vector<uint32_t>& evicted) = 0;

  /// The owner drops a resident entry on its own (erase, expiry, collision).
  virtual void on_remove(uint32_t h) = 0;

  /// The entry at `from` moved to `to`, its hook and tag already copied there.
  virtual void on_relocate(uint32_t from, uint32_t to) = 0;

  /// Changes the weight budget; appends every entry that must go to fit it.
  virtual void set_capacity(uint64_t capacity, std::vector<uint32_t>& evicted) = 0;

  /// Also bounds the number of resident entries; appends every entry that must go to fit.
  /// A policy that does not override it leaves that bound to the owner (evict_one); one that
  /// does applies its admission to both bounds.
  virtual void set_entry_limit(uint64_t limit, std::vector<uint32_t>& evicted) {
    (void)limit;
    (void)evicted;
  }
  /// Picks and unlinks one resident entry (for bounds other than weight, e.g. entry count);
  /// null_handle when none is left.
  virtual uint32_t evict_one() = 0;

  /// How often the key with this hash was read lately, as far as the policy knows (W-TinyLFU's
  /// sketch, 0..15); 0 for a policy that does not count. Warming ranks resident entries by it.
  virtual uint32_t frequency(uint64_t hash) const {
    (void)hash;
    return 0;
  }

  virtual uint64_t capacity() const = 0;
  virtual uint64_t weight() const = 0; ///< total weight of resident entries
  virtual uint64_t size() const = 0;   ///< number of resident entries
  virtual std::string_view name() const = 0;

protected:
  policy_nodes& nodes() { return nodes_; }

private:
  policy_nodes& nodes_;
};

/// Names accepted by make_policy, e.g. for `cache.policy` and `actorcache-sim --policy`.
std::vector<std::string_view> policy_names();

/// Creates the policy called `name` ("lru", "wtinylfu") over `nodes`; nullptr for an unknown
/// name. `expected_entries` sizes frequency sketches (0: derive from capacity); `seed` seeds
/// their hashing (0: the fixed default, for reproducible simulations).
std::unique_ptr<eviction_policy> make_policy(std::string_view name, uint64_t capacity,
                                             policy_nodes& nodes, uint64_t expected_entries = 0,
                                             uint64_t seed = 0);

} // namespace ac
