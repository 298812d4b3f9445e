// Weighted LRU: a recency list plus an index from id to list position.
#include "core/lru_policy.hpp"

namespace ac {

lru_policy::lru_policy(uint64_t capacity) : capacity_(capacity) {}

void lru_policy::on_hit(uint64_t id) {
  auto it = entries_.find(id);
  if (it != entries_.end())
    order_.splice(order_.end(), order_, it->second.pos);
}

void lru_policy::on_insert(uint64_t id, uint64_t weight, std::vector<uint64_t>& evicted) {
  if (entries_.contains(id)) { // the store raced a write: treat it as an overwrite
    on_update(id, weight, evicted);
    return;
  }
  if (weight > capacity_) { // could never fit: refuse without disturbing residents
    evicted.push_back(id);
    return;
  }
  order_.push_back(id);
  entries_.emplace(id, entry{std::prev(order_.end()), weight});
  weight_ += weight;
  evict_to_fit(evicted);
}

void lru_policy::on_update(uint64_t id, uint64_t weight, std::vector<uint64_t>& evicted) {
  auto it = entries_.find(id);
  if (it == entries_.end()) {
    on_insert(id, weight, evicted);
    return;
  }
  if (weight > capacity_) {
    forget(id);
    evicted.push_back(id);
    return;
  }
  weight_ = weight_ - it->second.weight + weight;
  it->second.weight = weight;
  order_.splice(order_.end(), order_, it->second.pos);
  evict_to_fit(evicted);
}

void lru_policy::on_remove(uint64_t id) { forget(id); }

void lru_policy::set_capacity(uint64_t capacity, std::vector<uint64_t>& evicted) {
  capacity_ = capacity;
  evict_to_fit(evicted);
}

std::optional<uint64_t> lru_policy::evict_one() {
  if (order_.empty())
    return std::nullopt;
  uint64_t id = order_.front();
  forget(id);
  return id;
}

void lru_policy::evict_to_fit(std::vector<uint64_t>& evicted) {
  while (weight_ > capacity_ && !order_.empty()) {
    evicted.push_back(order_.front());
    forget(order_.front());
  }
}

void lru_policy::forget(uint64_t id) {
  auto it = entries_.find(id);
  if (it == entries_.end())
    return;
  weight_ -= it->second.weight;
  order_.erase(it->second.pos);
  entries_.erase(it);
}

} // namespace ac
