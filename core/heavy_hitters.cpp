// Space-Saving heavy hitters.
#include "heavy_hitters.hpp"

#include <algorithm>

namespace ac {

namespace {
// Debian's abseil is built with its own absl::string_view (not std::string_view), so
// heterogeneous lookup needs the conversion spelled out.
absl::string_view as_absl(std::string_view s) { return {s.data(), s.size()}; }
} // namespace

heavy_hitters::heavy_hitters(size_t capacity) : capacity_(std::max<size_t>(capacity, 1)) {
  counters_.reserve(capacity_);
}

void heavy_hitters::record(std::string_view key, uint64_t n) {
  if (n == 0)
    return;
  if (auto it = counters_.find(as_absl(key)); it != counters_.end()) {
    it->second.count += n;
    return;
  }
  if (counters_.size() < capacity_) {
    counters_.emplace(std::string(key), counter{n, 0});
    return;
  }
  auto min_it = std::min_element(counters_.begin(), counters_.end(), [](auto& a, auto& b) {
    return a.second.count < b.second.count;
  });
  uint64_t floor = min_it->second.count;
  counters_.erase(min_it);
  counters_.emplace(std::string(key), counter{floor + n, floor});
}

std::vector<std::pair<std::string, uint64_t>> heavy_hitters::top(size_t k) const {
  std::vector<std::pair<std::string, uint64_t>> out;
  out.reserve(counters_.size());
  for (auto& [key, c] : counters_)
    out.emplace_back(key, c.count);
  auto by_count = [](auto& a, auto& b) {
    return a.second != b.second ? a.second > b.second : a.first < b.first;
  };
  k = std::min(k, out.size());
  std::partial_sort(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(k), out.end(), by_count);
  out.resize(k);
  return out;
}

bool heavy_hitters::is_hot(std::string_view key, uint64_t min_count) const {
  auto it = counters_.find(as_absl(key));
  return it != counters_.end() && it->second.count - it->second.error >= min_count;
}

void heavy_hitters::decay() {
  for (auto it = counters_.begin(); it != counters_.end();) {
    it->second.count /= 2;
    it->second.error /= 2;
    if (it->second.count == 0)
      counters_.erase(it++);
    else
      ++it;
  }
}

} // namespace ac
