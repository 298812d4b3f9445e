// Replays a key trace through a keyed_policy the way a store would, counting hits.
#pragma once

#include "core/keyed_policy.hpp"

#include <absl/container/flat_hash_set.h>

namespace ac::sim {

/// Unit weights. A resident key is a hit (on_hit); any other key is a miss (on_miss, then
/// on_insert as the store does after loading it). The residency set follows `evicted`.
inline uint64_t replay_hits(keyed_policy& policy, const std::vector<uint64_t>& trace) {
  absl::flat_hash_set<uint64_t> resident;
  std::vector<uint64_t> evicted;
  uint64_t hits = 0;
  for (uint64_t key : trace) {
    if (resident.contains(key)) {
      ++hits;
      policy.on_hit(key);
      continue;
    }
    policy.on_miss(key);
    policy.on_insert(key, 1, evicted);
    resident.insert(key);
    for (uint64_t e : evicted)
      resident.erase(e);
    evicted.clear();
  }
  return hits;
}

inline double replay_hit_rate(keyed_policy& policy, const std::vector<uint64_t>& trace) {
  return trace.empty() ? 0.0 : static_cast<double>(replay_hits(policy, trace)) / trace.size();
}

} // namespace ac::sim
