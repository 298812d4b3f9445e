// actorcache-sim --prefetch: each policy with and without predictive prefetch, as a table or JSON.
#pragma once

#include "tools/sim/prefetch_replay.hpp"

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace ac::sim {

using named_policy_maker =
  std::function<std::unique_ptr<keyed_policy>(const std::string& policy, uint64_t capacity)>;

/// One row per (capacity, partitions, policy): demand hit rate without and with prefetch, the gain
/// in points, prefetches issued (per 100 accesses too: the extra L2 reads) and their accuracy.
void print_prefetch_table(const std::vector<uint64_t>& trace,
                          const std::vector<uint64_t>& capacities,
                          const std::vector<std::string>& policies,
                          const std::vector<uint64_t>& partitions, prefetch_options opts, bool json,
                          const named_policy_maker& make);

} // namespace ac::sim
