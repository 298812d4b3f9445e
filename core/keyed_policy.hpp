// Eviction policies keyed by 64-bit ids, for the trace simulator and tests (no store, no arena).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include <absl/container/flat_hash_map.h>

#include "core/eviction_policy.hpp"

namespace ac {

/// The id-keyed view of an eviction policy: ids are trace integers or key hashes, every id
/// has a weight (1 in the simulator). Yardsticks such as perfect LFU implement it directly.
class keyed_policy {
public:
  virtual ~keyed_policy() = default;

  /// A resident id was read.
  virtual void on_hit(uint64_t id) = 0;
  /// A non-resident id wants in; appends every id to drop, which may be `id` itself.
  virtual void on_insert(uint64_t id, uint64_t weight, std::vector<uint64_t>& evicted) = 0;
  /// A resident id was overwritten with a new weight; appends what must go.
  virtual void on_update(uint64_t id, uint64_t weight, std::vector<uint64_t>& evicted) = 0;
  /// The owner dropped a resident id on its own.
  virtual void on_remove(uint64_t id) = 0;
  /// An id was looked up and not found.
  virtual void on_miss(uint64_t id) { (void)id; }
  /// Changes the weight budget; appends every id that must go.
  virtual void set_capacity(uint64_t capacity, std::vector<uint64_t>& evicted) = 0;
  /// Picks and forgets one resident id.
  virtual std::optional<uint64_t> evict_one() = 0;

  virtual bool contains(uint64_t id) const = 0;
  virtual uint64_t capacity() const = 0;
  virtual uint64_t weight() const = 0;
  virtual uint64_t size() const = 0;
  virtual std::string_view name() const = 0;
};

/// Runs one of the store's eviction_policy implementations keyed by id: a table of hooks,
/// tags and weights stands in for the store's arena entries.
class keyed_adapter final : public keyed_policy, private policy_nodes {
public:
  /// `make` builds the wrapped policy over this adapter's nodes.
  template <class Make>
  explicit keyed_adapter(Make&& make) : policy_(make(static_cast<policy_nodes&>(*this))) {}

  void on_hit(uint64_t id) override;
  void on_insert(uint64_t id, uint64_t weight, std::vector<uint64_t>& evicted) override;
  void on_update(uint64_t id, uint64_t weight, std::vector<uint64_t>& evicted) override;
  void on_remove(uint64_t id) override;
  void on_miss(uint64_t id) override { policy_->on_miss(id); }
  void set_capacity(uint64_t capacity, std::vector<uint64_t>& evicted) override;
  std::optional<uint64_t> evict_one() override;
  /// The wrapped policy's entry bound (eviction_policy::set_entry_limit).
  void set_entry_limit(uint64_t limit, std::vector<uint64_t>& evicted);

  bool contains(uint64_t id) const override { return handles_.contains(id); }
  uint64_t capacity() const override { return policy_->capacity(); }
  uint64_t weight() const override { return policy_->weight(); }
  uint64_t size() const override { return policy_->size(); }
  std::string_view name() const override { return policy_->name(); }

  /// The wrapped policy (tests read policy-specific state through it).
  eviction_policy& policy() { return *policy_; }
  const eviction_policy& policy() const { return *policy_; }
  /// Resident ids along a handle chain, front first (tests read list orders with it).
  std::vector<uint64_t> ids_from(uint32_t front);

private:
  struct node {
    policy_hook hook;
    uint64_t id = 0;
    uint64_t weight = 0;
    uint8_t tag = 0;
  };

  policy_hook& hook(uint32_t h) override { return nodes_[h].hook; }
  uint8_t tag(uint32_t h) const override { return nodes_[h].tag; }
  void set_tag(uint32_t h, uint8_t t) override { nodes_[h].tag = t; }
  uint64_t weight(uint32_t h) const override { return nodes_[h].weight; }
  uint64_t hash(uint32_t h) const override { return nodes_[h].id; }

  uint32_t allocate(uint64_t id, uint64_t weight);
  void release(uint32_t h);
  void release_all(std::vector<uint32_t>& handles, std::vector<uint64_t>& evicted);

  std::vector<node> nodes_;
  std::vector<uint32_t> free_;
  absl::flat_hash_map<uint64_t, uint32_t> handles_;
  std::vector<uint32_t> scratch_;
  std::unique_ptr<eviction_policy> policy_;
};

/// A keyed adapter over make_policy(name, ...); nullptr for an unknown name.
std::unique_ptr<keyed_adapter> make_keyed_policy(std::string_view name, uint64_t capacity,
                                                 uint64_t expected_entries = 0, uint64_t seed = 0);

} // namespace ac
