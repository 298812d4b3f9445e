// Key ownership across cluster members by rendezvous (highest-random-weight) hashing.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace ac {

/// Every member scores every key; the highest score owns it. When a member leaves, only
/// its keys move (each to its own runner-up); when one joins, it takes ~1/n from everyone.
/// Members are kept sorted and deduplicated and ties are broken by id, so every node with
/// the same member set picks the same owner whatever order the ids arrived in.
///
/// Not thread-safe: the membership actor owns one and sends copies of the member list.
class rendezvous_ring {
public:
  /// score(member_id_hash, key_hash); injectable so tests can force ties or layouts.
  using weight_fn = std::function<uint64_t(uint64_t member_hash, uint64_t key_hash)>;

  /// Default weight: XXH3-64 of the key hash seeded with XXH3-64 of the member id.
  rendezvous_ring();
  explicit rendezvous_ring(weight_fn weight);

  void set_members(std::vector<std::string> ids);
  const std::vector<std::string>& members() const { return ids_; }

  /// nullptr when there are no members. The pointer is valid until the next set_members.
  const std::string* owner_of(uint64_t key_hash) const;

  /// The first min(n, members) owners by descending score: owner first, then fallbacks.
  std::vector<std::string> owners_of(uint64_t key_hash, size_t n) const;

  /// Fraction of `samples` deterministic pseudo-random key hashes `id` owns (0 if absent).
  double share_of(const std::string& id, size_t samples = 100000) const;

private:
  weight_fn weight_;
  std::vector<std::string> ids_; // sorted, unique
  std::vector<uint64_t> hashes_; // XXH3-64 of ids_[i]
};

} // namespace ac
