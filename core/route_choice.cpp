// Route choice: owner, runner-up when avoiding the owner, and the direct flag.
#include "core/route_choice.hpp"

#include <algorithm>

namespace ac {

namespace {

// The ring's own copy of `id`, so the choice can point at it (members are sorted).
const std::string* member_named(const rendezvous_ring& ring, const std::string& id) {
  const auto& ids = ring.members();
  auto i = std::lower_bound(ids.begin(), ids.end(), id);
  return i != ids.end() && *i == id ? &*i : nullptr;
}

} // namespace

route_choice choose_route(const rendezvous_ring& reachable, const rendezvous_ring& reported,
                          uint64_t key_hash, std::string_view avoid) {
  const std::string* owner = reachable.owner_of(key_hash);
  if (owner == nullptr)
    return {};
  if (!avoid.empty() && *owner == avoid) {
    auto owners = reachable.owners_of(key_hash, 2);
    if (owners.size() > 1)
      return {member_named(reachable, owners[1]), true};
  }
  const std::string* believed = reported.owner_of(key_hash);
  bool direct = !reported.members().empty() && (believed == nullptr || *believed != *owner);
  return {owner, direct};
}

} // namespace ac
