// Hand-off of flights when a key's owner changes: whom a new owner asks before it computes, and which keys an old owner sends on.
//
// Why: a key's flight may be running on its old owner when a join moves the key (issue 14's
// storm while a fourth node joins). Without a hand-off the new owner misses in L1 and L2 and
// computes again. The protocol (DESIGN.md "Compute exactly once"): for one window after an
// ownership change (the longest a flight can run: the load timeout), the new owner asks the
// previous owner before computing; the previous owner answers its value, or lets the ask join
// its flight, or, having neither, fences the key: from then on its own loads of that key go to
// the asker instead of starting a flight there. Either way one compute.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <absl/container/flat_hash_map.h>

#include "core/rendezvous_ring.hpp"

namespace ac {

using handoff_clock = std::chrono::steady_clock;

/// The membership before and after the last change of the member set, as a node saw it.
struct ownership_change {
  rendezvous_ring before; ///< alive members before the change (none: no change seen yet)
  rendezvous_ring after;  ///< alive members now
  /// Members that left cleanly and still finish their flights (membership's `draining`); kept
  /// current on every routing update, not only on a change of the member set.
  std::vector<std::string> draining;
  handoff_clock::time_point at{}; ///< when this node learned it
};

/// The member to ask before computing `hash` on `self`, or none: only within `window` of the
/// change, when `self` owns the key now, someone else owned it before, and that one is still
/// alive or draining (it left cleanly and finishes its flights); a dead owner's flight died
/// with it, so the new owner computes.
std::optional<std::string> previous_owner_to_ask(const ownership_change& change,
                                                 const std::string& self, uint64_t hash,
                                                 handoff_clock::time_point now,
                                                 std::chrono::milliseconds window);

/// Whether `self` gained the key with the change: another member owned it before, `self` owns
/// it now. What `self` holds of such a key is left from an earlier ownership of its own (or a
/// near copy): the other owner took the key's writes meanwhile, so none of it is current.
bool gained_with(const ownership_change& change, const std::string& self, uint64_t hash);

/// Keys an old owner hands on: loads of a fenced key go to the member that asked for it.
/// `Target` is how that member is reached (an actor handle in the node; anything in tests).
template <class Target>
class fence_table {
public:
  explicit fence_table(size_t max_keys = 100000) : max_keys_(max_keys) {}

  /// Fences `key` to `target` until `until`; false when the table is full (nothing fenced).
  bool fence(const std::string& key, Target target, handoff_clock::time_point until) {
    if (fences_.size() >= max_keys_ && !fences_.contains(key)) {
      purge(handoff_clock::now());
      if (fences_.size() >= max_keys_)
        return false;
    }
    fences_[key] = entry{std::move(target), until};
    return true;
  }

  /// Where loads of `key` go now, or null when the key is not fenced (or its fence ended).
  const Target* target_of(const std::string& key, handoff_clock::time_point now) {
    auto it = fences_.find(key);
    if (it == fences_.end())
      return nullptr;
    if (it->second.until <= now) {
      fences_.erase(it);
      return nullptr;
    }
    return &it->second.target;
  }

  /// Ends the fence of `key` (its target is gone).
  void erase(const std::string& key) { fences_.erase(key); }

  /// Drops ended fences.
  void purge(handoff_clock::time_point now) {
    absl::erase_if(fences_, [now](const auto& kv) { return kv.second.until <= now; });
  }

  size_t size() const { return fences_.size(); }

private:
  struct entry {
    Target target;
    handoff_clock::time_point until;
  };
  size_t max_keys_;
  absl::flat_hash_map<std::string, entry> fences_;
};

} // namespace ac
