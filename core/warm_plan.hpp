// Which hot keys a warming run loads, in what order, and how fast: pure, so it is tested alone.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include <absl/container/flat_hash_map.h>

namespace ac {

/// Gathers hot-key lists (this node's shards' and its peers') into one ranking. A key that
/// several lists name keeps its highest count: each list counts the reads one node served, and
/// a key moves between owners, so the largest count is the best guess of its heat.
class warm_plan {
public:
  /// Adds one list; counts[i] belongs to keys[i] (a shorter counts vector counts the rest as 1).
  void add(const std::vector<std::string>& keys, const std::vector<uint64_t>& counts);

  /// Keys that `owns` accepts, hottest first (ties by key, so runs are reproducible), at most `max`.
  std::vector<std::string> keys(const std::function<bool(std::string_view)>& owns,
                                size_t max) const;

  /// The counts of `keys` (0 for a key no list named), in the same order.
  std::vector<uint64_t> counts_of(const std::vector<std::string>& keys) const;

  size_t size() const { return heat_.size(); }

private:
  absl::flat_hash_map<std::string, uint64_t> heat_;
};

/// How many loads a run may start now: no more than `concurrency` in flight, no more than
/// `rate_per_s` per second since the run began (so warming never starves live traffic of L2),
/// and none once `remaining` keys are exhausted.
size_t warm_budget(size_t in_flight, size_t concurrency, uint64_t started, double elapsed_s,
                   double rate_per_s, size_t remaining);

} // namespace ac
