// Space-Saving top-k counter that finds hot keys in a shard's request stream.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <absl/container/node_hash_map.h>

namespace ac {

/// Keeps at most `capacity` counters. A key not tracked takes over the smallest counter and
/// inherits its count as error, so a key seen more than N/capacity times (N = total
/// recorded) is always tracked, and count - error <= true count <= count.
///
/// The counters sit in a binary min-heap by count (the classic Space-Saving layout), so a
/// record is O(log capacity) whether it bumps a tracked key or replaces the smallest: a set
/// of a few thousand keys (what warming hands to a joining node) costs a shard no more than
/// the 64 counters it had for near copies. Not thread-safe: one shard actor owns one (under
/// its shard_store mutex); decay() on its tick keeps the ranking recent.
class heavy_hitters {
public:
  explicit heavy_hitters(size_t capacity = 64);
  // Counters point into the index: a copy would point into the original's. Moves keep nodes.
  heavy_hitters(const heavy_hitters&) = delete;
  heavy_hitters& operator=(const heavy_hitters&) = delete;
  heavy_hitters(heavy_hitters&&) = default;
  heavy_hitters& operator=(heavy_hitters&&) = default;

  void record(std::string_view key, uint64_t n = 1);

  /// Up to k keys by estimated count, highest first (ties by key).
  std::vector<std::pair<std::string, uint64_t>> top(size_t k) const;

  /// The key's estimated count (what top() reports), 0 when it is not tracked.
  uint64_t count_of(std::string_view key) const;

  /// True when the key's guaranteed count (count - error) reaches min_count.
  bool is_hot(std::string_view key, uint64_t min_count) const;

  /// Halves every count and error (e.g. each second); counters that reach 0 are freed.
  void decay();

  size_t size() const { return heap_.size(); }
  size_t capacity() const { return capacity_; }

private:
  /// key -> position in heap_. Node-based, so a counter can point at its entry: moving a
  /// counter in the heap updates its position without hashing the key again.
  using index = absl::node_hash_map<std::string, size_t>;
  struct counter {
    index::value_type* entry = nullptr; // the key and this counter's position
    uint64_t count = 0;
    uint64_t error = 0; // overestimate inherited from the evicted key
  };
  /// Restores the heap below position i after its count grew.
  void sift_down(size_t i);
  void swap_at(size_t a, size_t b);

  size_t capacity_;
  std::vector<counter> heap_; ///< min-heap by count
  index where_;
};

} // namespace ac
