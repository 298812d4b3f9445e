// The warming planner (see warm_plan.hpp).
#include "core/warm_plan.hpp"

#include <algorithm>
#include <cmath>

namespace ac {

void warm_plan::add(const std::vector<std::string>& keys, const std::vector<uint64_t>& counts) {
  for (size_t i = 0; i < keys.size(); ++i) {
    uint64_t c = i < counts.size() ? counts[i] : 1;
    auto [it, fresh] = heat_.try_emplace(keys[i], c);
    if (!fresh)
      it->second = std::max(it->second, c);
  }
}

std::vector<std::string> warm_plan::keys(const std::function<bool(std::string_view)>& owns,
                                         size_t max) const {
  std::vector<std::pair<const std::string*, uint64_t>> mine;
  mine.reserve(heat_.size());
  for (auto& [key, count] : heat_)
    if (owns(key))
      mine.emplace_back(&key, count);
  auto hotter = [](auto& a, auto& b) {
    return a.second != b.second ? a.second > b.second : *a.first < *b.first;
  };
  size_t n = std::min(max, mine.size());
  std::partial_sort(mine.begin(), mine.begin() + static_cast<std::ptrdiff_t>(n), mine.end(),
                    hotter);
  std::vector<std::string> out;
  out.reserve(n);
  for (size_t i = 0; i < n; ++i)
    out.push_back(*mine[i].first);
  return out;
}

std::vector<uint64_t> warm_plan::counts_of(const std::vector<std::string>& keys) const {
  std::vector<uint64_t> out;
  out.reserve(keys.size());
  for (auto& key : keys) {
    auto it = heat_.find(key);
    out.push_back(it != heat_.end() ? it->second : 0);
  }
  return out;
}

size_t warm_budget(size_t in_flight, size_t concurrency, uint64_t started, double elapsed_s,
                   double rate_per_s, size_t remaining) {
  if (in_flight >= concurrency || remaining == 0)
    return 0;
  size_t by_slots = concurrency - in_flight;
  size_t by_rate = by_slots;
  if (rate_per_s > 0) {
    // One second's worth may start at once; after that the run keeps to the rate.
    double allowed = std::floor(rate_per_s * std::max(elapsed_s, 0.0)) + std::max(rate_per_s, 1.0);
    by_rate = allowed > static_cast<double>(started)
                ? static_cast<size_t>(allowed - static_cast<double>(started))
                : 0;
  }
  return std::min({by_slots, by_rate, remaining});
}

} // namespace ac
