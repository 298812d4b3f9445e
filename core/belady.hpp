// Belady's OPT: the best hit rate any policy could reach on a trace, the simulator's yardstick.
#pragma once

#include <cstdint>
#include <vector>

namespace ac {

/// Hit count of the clairvoyant policy on `trace` with `capacity` unit-weight entries:
/// on a miss with a full cache it drops the resident key whose next use is farthest away
/// (every miss is admitted, as in the reference tables). O(n log capacity) time, O(n) memory.
uint64_t belady_hits(const std::vector<uint64_t>& trace, uint64_t capacity);

/// belady_hits / trace.size(); 0 for an empty trace.
double belady_hit_rate(const std::vector<uint64_t>& trace, uint64_t capacity);

} // namespace ac
