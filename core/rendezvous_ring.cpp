// Rendezvous hashing: scoring, owner and fallback selection, share estimation.
#include "core/rendezvous_ring.hpp"

#include <algorithm>
#include <numeric>

#include <xxhash.h>

namespace ac {

namespace {

uint64_t default_weight(uint64_t member_hash, uint64_t key_hash) {
  return XXH3_64bits_withSeed(&key_hash, sizeof key_hash, member_hash);
}

} // namespace

rendezvous_ring::rendezvous_ring() : weight_(default_weight) {}

rendezvous_ring::rendezvous_ring(weight_fn weight) : weight_(std::move(weight)) {}

void rendezvous_ring::set_members(std::vector<std::string> ids) {
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  ids_ = std::move(ids);
  hashes_.clear();
  for (auto& id : ids_)
    hashes_.push_back(XXH3_64bits(id.data(), id.size()));
}

const std::string* rendezvous_ring::owner_of(uint64_t key_hash) const {
  const std::string* best = nullptr;
  uint64_t best_w = 0;
  for (size_t i = 0; i < ids_.size(); ++i) {
    uint64_t w = weight_(hashes_[i], key_hash);
    // ids_ is sorted, so on equal weights the smallest id wins on every node.
    if (best == nullptr || w > best_w) {
      best = &ids_[i];
      best_w = w;
    }
  }
  return best;
}

std::vector<std::string> rendezvous_ring::owners_of(uint64_t key_hash, size_t n) const {
  std::vector<std::pair<uint64_t, size_t>> scored;
  scored.reserve(ids_.size());
  for (size_t i = 0; i < ids_.size(); ++i)
    scored.emplace_back(weight_(hashes_[i], key_hash), i);
  n = std::min(n, scored.size());
  std::partial_sort(
    scored.begin(), scored.begin() + static_cast<std::ptrdiff_t>(n), scored.end(),
    [](auto& a, auto& b) { return a.first != b.first ? a.first > b.first : a.second < b.second; });
  std::vector<std::string> out;
  for (size_t i = 0; i < n; ++i)
    out.push_back(ids_[scored[i].second]);
  return out;
}

double rendezvous_ring::share_of(const std::string& id, size_t samples) const {
  if (samples == 0)
    return 0;
  size_t owned = 0;
  for (uint64_t i = 0; i < samples; ++i) {
    uint64_t k = XXH3_64bits(&i, sizeof i); // fixed sample keys: same answer on every node
    if (auto* o = owner_of(k); o && *o == id)
      ++owned;
  }
  return static_cast<double>(owned) / static_cast<double>(samples);
}

} // namespace ac
