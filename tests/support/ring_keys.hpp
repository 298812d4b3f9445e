// Keys with a known owner, picked the way the nodes route them (rendezvous hashing over member ids).
#pragma once

#include <string>
#include <vector>

#include "core/key_normalization.hpp"
#include "core/rendezvous_ring.hpp"

namespace ac::test {

/// The member that owns `key` among `members`.
inline std::string owner_among(const std::vector<std::string>& members, const std::string& key) {
  rendezvous_ring ring;
  ring.set_members(members);
  return *ring.owner_of(key_hash(key));
}

/// The first key "<prefix>N" that `owner` owns among `members`.
inline std::string key_owned_by(const std::string& owner, const std::vector<std::string>& members,
                                const std::string& prefix) {
  rendezvous_ring ring;
  ring.set_members(members);
  for (int i = 0;; ++i)
    if (auto key = prefix + std::to_string(i); *ring.owner_of(key_hash(key)) == owner)
      return key;
}

} // namespace ac::test
