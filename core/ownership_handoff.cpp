// Whom a new owner asks before computing (see ownership_handoff.hpp).
#include "core/ownership_handoff.hpp"

#include <algorithm>

namespace ac {

std::optional<std::string> previous_owner_to_ask(const ownership_change& change,
                                                 const std::string& self, uint64_t hash,
                                                 handoff_clock::time_point now,
                                                 std::chrono::milliseconds window) {
  if (change.before.members().empty() || now - change.at >= window)
    return std::nullopt;
  auto old_owner = change.before.owner_of(hash);
  auto new_owner = change.after.owner_of(hash);
  if (old_owner == nullptr || new_owner == nullptr || *new_owner != self || *old_owner == self)
    return std::nullopt;
  auto named = [&](const std::vector<std::string>& ids) {
    return std::find(ids.begin(), ids.end(), *old_owner) != ids.end();
  };
  if (!named(change.after.members()) && !named(change.draining))
    return std::nullopt;
  return *old_owner;
}

bool gained_with(const ownership_change& change, const std::string& self, uint64_t hash) {
  if (change.before.members().empty())
    return false;
  auto old_owner = change.before.owner_of(hash);
  auto new_owner = change.after.owner_of(hash);
  return old_owner != nullptr && new_owner != nullptr && *old_owner != self && *new_owner == self;
}

} // namespace ac
