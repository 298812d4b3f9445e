// Weighted least-recently-used eviction: the baseline policy and the simplest eviction_policy.
#pragma once

#include "core/eviction_policy.hpp"

#include <absl/container/flat_hash_map.h>

#include <list>

namespace ac {

/// Evicts the least recently used keys until the total weight fits the capacity.
/// A key heavier than the whole capacity is refused (reported as evicted at once).
/// O(1) per operation. Not thread-safe: one owner, like every eviction_policy.
class lru_policy final : public eviction_policy {
public:
  explicit lru_policy(uint64_t capacity);

  void on_hit(uint64_t id) override;
  void on_insert(uint64_t id, uint64_t weight, std::vector<uint64_t>& evicted) override;
  void on_update(uint64_t id, uint64_t weight, std::vector<uint64_t>& evicted) override;
  void on_remove(uint64_t id) override;
  void set_capacity(uint64_t capacity, std::vector<uint64_t>& evicted) override;
  std::optional<uint64_t> evict_one() override;

  uint64_t capacity() const override { return capacity_; }
  uint64_t weight() const override { return weight_; }
  uint64_t size() const override { return entries_.size(); }
  std::string_view name() const override { return "lru"; }

  /// True if `id` is resident (tests and the simulator use it; the store keeps its own map).
  bool contains(uint64_t id) const { return entries_.contains(id); }
  /// Resident ids from least to most recently used (for tests; O(n)).
  std::vector<uint64_t> order() const { return {order_.begin(), order_.end()}; }

private:
  struct entry {
    std::list<uint64_t>::iterator pos; // position in order_
    uint64_t weight;
  };

  void evict_to_fit(std::vector<uint64_t>& evicted);
  void forget(uint64_t id);

  uint64_t capacity_;
  uint64_t weight_ = 0;
  std::list<uint64_t> order_; // front: least recently used
  absl::flat_hash_map<uint64_t, entry> entries_;
};

} // namespace ac
