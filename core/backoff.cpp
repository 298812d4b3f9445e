// Exponential backoff with full jitter.
#include "core/backoff.hpp"

#include <algorithm>
#include <cmath>

namespace ac {

backoff::backoff(backoff_options opts, uint64_t seed) : opts_(opts), state_(seed) {}

std::chrono::milliseconds backoff::ceiling() const {
  const double initial = static_cast<double>(opts_.initial.count());
  const double max = static_cast<double>(opts_.max.count());
  // Capped before it can overflow: pow only grows, so stop once it passes max.
  double c = initial * std::pow(std::max(opts_.multiplier, 1.0), static_cast<double>(attempts_));
  return std::chrono::milliseconds(static_cast<int64_t>(std::min(c, max)));
}

std::chrono::milliseconds backoff::next() {
  uint64_t z = (state_ += 0x9e3779b97f4a7c15ull); // splitmix64
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  z ^= z >> 31;
  auto cap = static_cast<uint64_t>(std::max<int64_t>(ceiling().count(), 0));
  if (attempts_ < UINT32_MAX)
    ++attempts_;
  return std::chrono::milliseconds(static_cast<int64_t>(z % (cap + 1)));
}

} // namespace ac
