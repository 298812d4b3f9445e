// Belady's OPT with next-use precomputation and a lazily-pruned max-heap of next uses.
#include "core/belady.hpp"

#include <absl/container/flat_hash_map.h>

#include <queue>
#include <utility>

namespace ac {

uint64_t belady_hits(const std::vector<uint64_t>& trace, uint64_t capacity) {
  const uint64_t n = trace.size();
  if (capacity == 0)
    return 0;
  // next[i]: index of the next access to trace[i] after i, or n + i when there is none
  // (distinct "never" values keep heap entries unique per key).
  std::vector<uint64_t> next(n);
  absl::flat_hash_map<uint64_t, uint64_t> seen;
  for (uint64_t i = n; i-- > 0;) {
    auto [it, fresh] = seen.try_emplace(trace[i], n + i);
    next[i] = it->second;
    it->second = i;
  }
  // resident: key -> its current next use. The heap may hold stale (older) next uses for a
  // key; an entry is live only if it matches the key's current next use.
  absl::flat_hash_map<uint64_t, uint64_t> resident;
  std::priority_queue<std::pair<uint64_t, uint64_t>> heap; // (next use, key), farthest on top
  uint64_t hits = 0;
  for (uint64_t i = 0; i < n; ++i) {
    uint64_t key = trace[i];
    auto it = resident.find(key);
    if (it != resident.end()) {
      ++hits;
      it->second = next[i];
      heap.emplace(next[i], key);
      continue;
    }
    if (resident.size() >= capacity) {
      while (true) {
        auto [use, victim] = heap.top();
        heap.pop();
        auto v = resident.find(victim);
        if (v != resident.end() && v->second == use) {
          resident.erase(v);
          break;
        }
      }
    }
    resident.emplace(key, next[i]);
    heap.emplace(next[i], key);
  }
  return hits;
}

double belady_hit_rate(const std::vector<uint64_t>& trace, uint64_t capacity) {
  return trace.empty() ? 0.0 : static_cast<double>(belady_hits(trace, capacity)) / trace.size();
}

} // namespace ac
