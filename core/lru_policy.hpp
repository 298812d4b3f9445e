// Weighted least-recently-used eviction: the baseline policy and the simplest eviction_policy.
#pragma once

#include "core/eviction_policy.hpp"
#include "core/intrusive_list.hpp"

namespace ac {

/// Evicts the least recently used entries until the total weight fits the capacity.
/// An entry heavier than the whole capacity is refused (reported as evicted at once).
/// O(1) per operation; its only memory is the list's ends, the links live in the entries.
class lru_policy final : public eviction_policy {
public:
  lru_policy(uint64_t capacity, policy_nodes& nodes);

  void on_hit(uint32_t h, uint64_t hash) override;
  void on_insert(uint32_t h, uint64_t hash, std::vector<uint32_t>& evicted) override;
  void on_update(uint32_t h, uint64_t hash, uint64_t old_weight,
                 std::vector<uint32_t>& evicted) override;
  void on_remove(uint32_t h) override;
  void on_relocate(uint32_t from, uint32_t to) override;
  void set_capacity(uint64_t capacity, std::vector<uint32_t>& evicted) override;
  uint32_t evict_one() override;

  uint64_t capacity() const override { return capacity_; }
  uint64_t weight() const override { return weight_; }
  uint64_t size() const override { return order_.size(); }
  std::string_view name() const override { return "lru"; }

  /// The least recently used entry (tests walk the order from it).
  uint32_t front() const { return order_.front(); }

private:
  void evict_to_fit(std::vector<uint32_t>& evicted);
  void forget(uint32_t h);

  uint64_t capacity_;
  uint64_t weight_ = 0;
  intrusive_list order_; // front: least recently used
};

} // namespace ac
