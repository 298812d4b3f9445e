// Weighted LRU: one recency list threaded through the entries.
#include "core/lru_policy.hpp"

namespace ac {

lru_policy::lru_policy(uint64_t capacity, policy_nodes& nodes)
  : eviction_policy(nodes), capacity_(capacity) {}

void lru_policy::on_hit(uint32_t h, uint64_t) { order_.move_to_back(nodes(), h); }

void lru_policy::on_insert(uint32_t h, uint64_t, std::vector<uint32_t>& evicted) {
  uint64_t w = nodes().weight(h);
  if (w > capacity_) { // could never fit: refuse without disturbing residents
    evicted.push_back(h);
    return;
  }
  order_.push_back(nodes(), h);
  weight_ += w;
  evict_to_fit(evicted);
}

void lru_policy::on_update(uint32_t h, uint64_t, uint64_t old_weight,
                           std::vector<uint32_t>& evicted) {
  weight_ = weight_ - old_weight + nodes().weight(h);
  if (nodes().weight(h) > capacity_) {
    forget(h);
    evicted.push_back(h);
    return;
  }
  order_.move_to_back(nodes(), h);
  evict_to_fit(evicted);
}

void lru_policy::on_remove(uint32_t h) { forget(h); }

void lru_policy::on_relocate(uint32_t from, uint32_t to) { order_.relocate(nodes(), from, to); }

void lru_policy::set_capacity(uint64_t capacity, std::vector<uint32_t>& evicted) {
  capacity_ = capacity;
  evict_to_fit(evicted);
}

uint32_t lru_policy::evict_one() {
  uint32_t h = order_.front();
  if (h != null_handle)
    forget(h);
  return h;
}

void lru_policy::evict_to_fit(std::vector<uint32_t>& evicted) {
  while (weight_ > capacity_ && !order_.empty()) {
    uint32_t h = order_.front();
    forget(h);
    evicted.push_back(h);
  }
}

void lru_policy::forget(uint32_t h) {
  weight_ -= nodes().weight(h);
  order_.remove(nodes(), h);
}

} // namespace ac
