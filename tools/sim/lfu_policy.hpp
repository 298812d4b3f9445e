// Perfect LFU (exact counts of every key ever seen): the simulator's frequency yardstick.
// Header-only so the core tests can compare W-TinyLFU against it without linking the tool.
#pragma once

#include "core/keyed_policy.hpp"

#include <absl/container/flat_hash_map.h>

#include <set>
#include <tuple>

namespace ac::sim {

/// Keeps the keys with the highest lifetime access counts (unit weights only: it is a
/// yardstick for static skewed workloads such as Zipf, not a production policy). A missing
/// key is admitted only if it was seen more often than the least frequent resident.
/// Memory grows with every distinct key seen.
class lfu_policy final : public keyed_policy {
public:
  explicit lfu_policy(uint64_t capacity) : capacity_(capacity) {}

  void on_hit(uint64_t id) override { bump(id); }
  void on_miss(uint64_t id) override { ++counts_[id].count; }
  void on_insert(uint64_t id, uint64_t weight, std::vector<uint64_t>& evicted) override {
    (void)weight;
    auto& c = counts_[id];
    if (c.resident)
      return;
    if (capacity_ == 0) {
      evicted.push_back(id);
      return;
    }
    if (order_.size() >= capacity_) {
      auto [count, seq, victim] = *order_.begin();
      if (count >= c.count) { // ties keep the resident
        evicted.push_back(id);
        return;
      }
      forget(victim);
      evicted.push_back(victim);
    }
    c.resident = true;
    c.seq = ++seq_;
    order_.emplace(c.count, c.seq, id);
  }
  void on_update(uint64_t id, uint64_t, std::vector<uint64_t>&) override { bump(id); }
  void on_remove(uint64_t id) override { forget(id); }
  void set_capacity(uint64_t capacity, std::vector<uint64_t>& evicted) override {
    capacity_ = capacity;
    while (order_.size() > capacity_)
      evicted.push_back(*evict_one());
  }
  std::optional<uint64_t> evict_one() override {
    if (order_.empty())
      return std::nullopt;
    uint64_t id = std::get<2>(*order_.begin());
    forget(id);
    return id;
  }
  bool contains(uint64_t id) const override {
    auto it = counts_.find(id);
    return it != counts_.end() && it->second.resident;
  }
  uint64_t capacity() const override { return capacity_; }
  uint64_t weight() const override { return order_.size(); }
  uint64_t size() const override { return order_.size(); }
  std::string_view name() const override { return "lfu"; }

private:
  struct state {
    uint64_t count = 0;
    uint64_t seq = 0; // insertion order among equal counts
    bool resident = false;
  };

  void bump(uint64_t id) {
    auto& c = counts_[id];
    if (c.resident)
      order_.erase({c.count, c.seq, id});
    ++c.count;
    if (c.resident)
      order_.emplace(c.count, c.seq, id);
  }
  void forget(uint64_t id) {
    auto it = counts_.find(id);
    if (it == counts_.end() || !it->second.resident)
      return;
    order_.erase({it->second.count, it->second.seq, id});
    it->second.resident = false;
  }

  uint64_t capacity_;
  uint64_t seq_ = 0;
  absl::flat_hash_map<uint64_t, state> counts_;
  std::set<std::tuple<uint64_t, uint64_t, uint64_t>> order_; // (count, seq, id), least first
};

} // namespace ac::sim
