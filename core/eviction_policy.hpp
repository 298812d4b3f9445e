// The eviction policy contract every L1 policy (LRU, W-TinyLFU) implements.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

namespace ac {

/// Decides which resident keys stay. Keys are 64-bit ids: the store passes the key's
/// 64-bit hash, the simulator the trace's integer. Every key has a weight (bytes in a
/// shard, 1 in the simulator) and the policy keeps the total weight within capacity.
///
/// The store owns the entries; the policy owns only order and admission. When the policy
/// says a key must go, the store drops it. Not thread-safe: one shard actor owns one policy.
class eviction_policy {
public:
  virtual ~eviction_policy() = default;

  /// A resident key was read.
  virtual void on_hit(uint64_t id) = 0;

  /// A key that is not resident wants in with `weight`. Appends to `evicted` every key the
  /// store must drop to make room, which may be `id` itself when admission refuses it.
  virtual void on_insert(uint64_t id, uint64_t weight, std::vector<uint64_t>& evicted) = 0;

  /// A resident key was overwritten with a new weight; appends what must go to stay in bounds.
  virtual void on_update(uint64_t id, uint64_t weight, std::vector<uint64_t>& evicted) = 0;

  /// The store dropped a resident key on its own (erase, expiry, collision).
  virtual void on_remove(uint64_t id) = 0;

  /// A key was looked up and not found: frequency-aware policies count it.
  virtual void on_miss(uint64_t id) { (void)id; }

  /// Changes the weight budget; appends every key that must go to fit it.
  virtual void set_capacity(uint64_t capacity, std::vector<uint64_t>& evicted) = 0;

  /// Picks and forgets one resident key (for bounds other than weight, e.g. entry count).
  virtual std::optional<uint64_t> evict_one() = 0;

  virtual uint64_t capacity() const = 0;
  virtual uint64_t weight() const = 0;   ///< total weight of resident keys
  virtual uint64_t size() const = 0;     ///< number of resident keys
  virtual std::string_view name() const = 0;
};

/// Names accepted by make_policy, e.g. for `cache.policy` and `actorcache-sim --policy`.
std::vector<std::string_view> policy_names();

/// Creates the policy called `name` ("lru", "wtinylfu"); nullptr for an unknown name.
/// `expected_entries` sizes frequency sketches (0: derive from capacity).
std::unique_ptr<eviction_policy> make_policy(std::string_view name, uint64_t capacity,
                                             uint64_t expected_entries = 0);

} // namespace ac
