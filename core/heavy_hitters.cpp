// Space-Saving heavy hitters over a min-heap of counters.
#include "core/heavy_hitters.hpp"

#include <algorithm>

namespace ac {

namespace {
// Debian's abseil is built with its own absl::string_view (not std::string_view), so
// heterogeneous lookup needs the conversion spelled out.
absl::string_view as_absl(std::string_view s) { return {s.data(), s.size()}; }
} // namespace

heavy_hitters::heavy_hitters(size_t capacity) : capacity_(std::max<size_t>(capacity, 1)) {
  heap_.reserve(capacity_);
  where_.reserve(capacity_);
}

void heavy_hitters::swap_at(size_t a, size_t b) {
  std::swap(heap_[a], heap_[b]);
  heap_[a].entry->second = a;
  heap_[b].entry->second = b;
}

void heavy_hitters::sift_down(size_t i) {
  for (;;) {
    size_t smallest = i, l = 2 * i + 1, r = l + 1;
    if (l < heap_.size() && heap_[l].count < heap_[smallest].count)
      smallest = l;
    if (r < heap_.size() && heap_[r].count < heap_[smallest].count)
      smallest = r;
    if (smallest == i)
      return;
    swap_at(i, smallest);
    i = smallest;
  }
}

void heavy_hitters::record(std::string_view key, uint64_t n) {
  if (n == 0)
    return;
  if (auto it = where_.find(as_absl(key)); it != where_.end()) {
    auto i = it->second;
    heap_[i].count += n;
    sift_down(i);
    return;
  }
  if (heap_.size() < capacity_) {
    // A new counter at the bottom; it moves up while it is smaller than its parent.
    size_t i = heap_.size();
    auto it = where_.emplace(std::string(key), i).first;
    heap_.push_back(counter{&*it, n, 0});
    while (i > 0 && heap_[(i - 1) / 2].count > heap_[i].count) {
      swap_at(i, (i - 1) / 2);
      i = (i - 1) / 2;
    }
    return;
  }
  // Full: the smallest counter (the root) is handed to the new key.
  uint64_t floor = heap_[0].count;
  where_.erase(where_.find(heap_[0].entry->first));
  auto it = where_.emplace(std::string(key), 0).first;
  heap_[0] = counter{&*it, floor + n, floor};
  sift_down(0);
}

uint64_t heavy_hitters::count_of(std::string_view key) const {
  auto it = where_.find(as_absl(key));
  return it != where_.end() ? heap_[it->second].count : 0;
}

std::vector<std::pair<std::string, uint64_t>> heavy_hitters::top(size_t k) const {
  std::vector<std::pair<std::string, uint64_t>> out;
  out.reserve(heap_.size());
  for (auto& c : heap_)
    out.emplace_back(c.entry->first, c.count);
  auto by_count = [](auto& a, auto& b) {
    return a.second != b.second ? a.second > b.second : a.first < b.first;
  };
  k = std::min(k, out.size());
  std::partial_sort(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(k), out.end(), by_count);
  out.resize(k);
  return out;
}

bool heavy_hitters::is_hot(std::string_view key, uint64_t min_count) const {
  auto it = where_.find(as_absl(key));
  if (it == where_.end())
    return false;
  auto& c = heap_[it->second];
  return c.count - c.error >= min_count;
}

void heavy_hitters::decay() {
  // Halving keeps the order of counts (a <= b implies a/2 <= b/2), so the survivors are
  // still a heap once the zeros are gone; the rebuild is O(capacity), once per tick.
  std::vector<counter> kept;
  kept.reserve(heap_.size());
  for (auto& c : heap_) {
    if (c.count / 2 > 0)
      kept.push_back(counter{c.entry, c.count / 2, c.error / 2});
    else
      where_.erase(where_.find(c.entry->first));
  }
  heap_ = std::move(kept);
  std::make_heap(heap_.begin(), heap_.end(), [](auto& a, auto& b) { return a.count > b.count; });
  for (size_t i = 0; i < heap_.size(); ++i)
    heap_[i].entry->second = i;
}

} // namespace ac
