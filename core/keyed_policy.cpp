// The id-keyed adapter around the store's handle-based eviction policies.
#include "core/keyed_policy.hpp"

namespace ac {

uint32_t keyed_adapter::allocate(uint64_t id, uint64_t weight) {
  uint32_t h;
  if (!free_.empty()) {
    h = free_.back();
    free_.pop_back();
  } else {
    h = static_cast<uint32_t>(nodes_.size());
    nodes_.emplace_back();
  }
  nodes_[h] = node{policy_hook{}, id, weight, 0};
  handles_.emplace(id, h);
  return h;
}

void keyed_adapter::release(uint32_t h) {
  handles_.erase(nodes_[h].id);
  free_.push_back(h);
}

void keyed_adapter::release_all(std::vector<uint32_t>& handles, std::vector<uint64_t>& evicted) {
  for (uint32_t h : handles) {
    evicted.push_back(nodes_[h].id);
    release(h);
  }
  handles.clear();
}

void keyed_adapter::on_hit(uint64_t id) {
  auto it = handles_.find(id);
  if (it != handles_.end())
    policy_->on_hit(it->second, id);
}

void keyed_adapter::on_insert(uint64_t id, uint64_t weight, std::vector<uint64_t>& evicted) {
  if (handles_.contains(id)) { // the owner raced a write: treat it as an overwrite
    on_update(id, weight, evicted);
    return;
  }
  uint32_t h = allocate(id, weight);
  policy_->on_insert(h, id, scratch_);
  release_all(scratch_, evicted);
}

void keyed_adapter::on_update(uint64_t id, uint64_t weight, std::vector<uint64_t>& evicted) {
  auto it = handles_.find(id);
  if (it == handles_.end()) {
    on_insert(id, weight, evicted);
    return;
  }
  uint32_t h = it->second;
  uint64_t old = nodes_[h].weight;
  nodes_[h].weight = weight;
  policy_->on_update(h, id, old, scratch_);
  release_all(scratch_, evicted);
}

void keyed_adapter::on_remove(uint64_t id) {
  auto it = handles_.find(id);
  if (it == handles_.end())
    return;
  uint32_t h = it->second;
  policy_->on_remove(h);
  release(h);
}

void keyed_adapter::set_capacity(uint64_t capacity, std::vector<uint64_t>& evicted) {
  policy_->set_capacity(capacity, scratch_);
  release_all(scratch_, evicted);
}

void keyed_adapter::set_entry_limit(uint64_t limit, std::vector<uint64_t>& evicted) {
  policy_->set_entry_limit(limit, scratch_);
  release_all(scratch_, evicted);
}

std::optional<uint64_t> keyed_adapter::evict_one() {
  uint32_t h = policy_->evict_one();
  if (h == null_handle)
    return std::nullopt;
  uint64_t id = nodes_[h].id;
  release(h);
  return id;
}

std::vector<uint64_t> keyed_adapter::ids_from(uint32_t front) {
  std::vector<uint64_t> out;
  for (uint32_t h = front; h != null_handle; h = nodes_[h].hook.next)
    out.push_back(nodes_[h].id);
  return out;
}

std::unique_ptr<keyed_adapter> make_keyed_policy(std::string_view name, uint64_t capacity,
                                                 uint64_t expected_entries, uint64_t seed) {
  bool known = false;
  for (auto n : policy_names())
    known = known || n == name;
  if (!known)
    return nullptr;
  return std::make_unique<keyed_adapter>([&](policy_nodes& nodes) {
    return make_policy(name, capacity, nodes, expected_entries, seed);
  });
}

} // namespace ac
