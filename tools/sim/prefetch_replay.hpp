// Replays a key trace through a keyed_policy with predictive prefetch on misses: the hit-rate gain and what it costs.
#pragma once

#include "core/frequency_sketch.hpp" // mix64
#include "core/keyed_policy.hpp"
#include "core/successor_predictor.hpp"

#include <absl/container/flat_hash_set.h>

#include <functional>
#include <memory>
#include <vector>

namespace ac::sim {

/// How prefetch is simulated; the defaults are what the node runs (warming.predictive-*).
struct prefetch_options {
  bool enabled = true;
  size_t k = 2;                    ///< successors prefetched per miss
  double min_confidence = 0.3;     ///< a successor must have followed the key this often
  uint32_t min_count = 2;          ///< ... and at least this many times
  size_t depth = 1;                ///< 2: the successors' successors too
  bool observe_misses_only = true; ///< learn from the miss stream only (all reads: false)
  /// The stream split by key hash, each part with its own cache share and predictor: a
  /// cluster's nodes (one predictor per node) or all their shards (one per shard).
  uint64_t partitions = 1;
  uint64_t tracked_keys = 0; ///< predictor rows per cache (0: 4 x its capacity)
  uint32_t window = 4;       ///< a key counts as a successor of the last `window` keys seen
};

/// Demand hits only: a prefetch never counts as a hit; its entry counts when a later read uses it.
struct prefetch_result {
  uint64_t accesses = 0;
  uint64_t hits = 0; ///< demand hits
  uint64_t prefetches =
    0;               ///< predicted keys that were not resident and were inserted (loads from L2)
  uint64_t used = 0; ///< prefetched entries read before they were evicted
  uint64_t predictor_bytes = 0;
  double hit_rate() const { return accesses ? static_cast<double>(hits) / accesses : 0; }
  /// Share of prefetched entries read before eviction (entries still resident unread at the
  /// end count as unused).
  double accuracy() const { return prefetches ? static_cast<double>(used) / prefetches : 0; }
};

using policy_maker = std::function<std::unique_ptr<keyed_policy>(uint64_t capacity)>;

/// Unit weights, as replay_hits. A miss of K loads K (on_miss, on_insert), then, when prefetch
/// is enabled, inserts each predicted successor that is not resident (on_insert only: a
/// prefetch is no demand access, so frequency-aware admission judges it as a newcomer; it
/// takes space and may evict, as the node's warm fills do). Each partition (mix64(key) %
/// partitions) has capacity / partitions and its own predictor, which sees that partition's
/// accesses only. Long: one pass over the trace whose steps (demand access, learning,
/// prefetch) share the partition's state, read in the order they happen.
inline prefetch_result replay_prefetch(const policy_maker& make, uint64_t capacity,
                                       const std::vector<uint64_t>& trace, prefetch_options o) {
  struct shard {
    std::unique_ptr<keyed_policy> policy;
    absl::flat_hash_set<uint64_t> resident, unused;
    std::unique_ptr<successor_predictor> predictor;
  };
  uint64_t n = std::max<uint64_t>(o.partitions, 1);
  uint64_t per_shard = std::max<uint64_t>(capacity / n, 1);
  std::vector<shard> shards(n);
  prefetch_result r;
  for (auto& s : shards) {
    s.policy = make(per_shard);
    successor_options so;
    so.tracked_keys = o.tracked_keys ? std::max<uint64_t>(o.tracked_keys / n, 1) : 4 * per_shard;
    so.window = o.window;
    s.predictor = std::make_unique<successor_predictor>(so);
    r.predictor_bytes += s.predictor->memory_bytes();
  }
  std::vector<uint64_t> evicted;
  auto insert = [&](shard& s, uint64_t key) {
    s.policy->on_insert(key, 1, evicted);
    s.resident.insert(key);
    for (uint64_t e : evicted) {
      s.resident.erase(e);
      s.unused.erase(e);
    }
    evicted.clear();
  };
  std::vector<prediction> level, next_level, found;
  for (uint64_t key : trace) {
    ++r.accesses;
    auto& s = shards[n == 1 ? 0 : mix64(key) % n];
    bool hit = s.resident.contains(key);
    if (o.enabled && (!hit || !o.observe_misses_only))
      s.predictor->record(key);
    if (hit) {
      ++r.hits;
      s.policy->on_hit(key);
      if (s.unused.erase(key))
        ++r.used;
      continue;
    }
    s.policy->on_miss(key);
    insert(s, key);
    if (!o.enabled)
      continue;
    level.assign(1, prediction{key, 0, 1});
    for (size_t d = 0; d < o.depth && !level.empty(); ++d) {
      next_level.clear();
      for (auto& from : level) {
        s.predictor->predict(from.key, o.k, o.min_confidence, found, o.min_count);
        for (auto& p : found) {
          next_level.push_back(p);
          if (s.resident.contains(p.key))
            continue;
          ++r.prefetches;
          s.unused.insert(p.key);
          insert(s, p.key);
        }
      }
      level.swap(next_level);
    }
  }
  return r;
}

} // namespace ac::sim
