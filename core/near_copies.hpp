// Near copies: a bounded map of short-lived copies of keys other nodes own and report hot.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include <absl/container/flat_hash_map.h>

namespace ac {

/// A front keeps a copy of a peer's hot key for a short while, so one key's storm does not
/// all land on its owner. A copy is served only before it expires; an expired one is dropped
/// when it is next looked up (there is no sweep: the bound keeps the map small anyway).
/// When full, keeping a copy evicts an arbitrary one first: the copies are all short-lived,
/// so which one goes matters little, and no order is kept to choose better.
///
/// Time is passed in (steady_clock, so a wall-clock jump neither revives nor kills copies).
/// Not thread-safe: one actor owns it.
class near_copies {
public:
  using time_point = std::chrono::steady_clock::time_point;

  /// At most `max_copies` are kept (0 behaves as 1: the newest copy alone).
  explicit near_copies(size_t max_copies = 4096) : max_(max_copies) {}

  /// The value of `key`'s copy while `now` is before its expiry, else nullptr; an expired
  /// copy is dropped. The pointer is valid until the next call that changes the map.
  const std::string* find(const std::string& key, time_point now);

  /// Keeps (or replaces) the copy of `key` until `expires`. When the map is full, one copy
  /// (maybe another key's, maybe this key's old one) is evicted first.
  void keep(const std::string& key, std::string value, time_point expires);

  /// Drops `key`'s copy (the owner changed the key); true when there was one.
  bool forget(const std::string& key) { return copies_.erase(key) > 0; }

  void clear() { copies_.clear(); }

  /// Copies held, expired ones not yet looked up included.
  size_t size() const { return copies_.size(); }
  bool empty() const { return copies_.empty(); }

  /// The keys held (expired ones not yet looked up included), in no particular order.
  std::vector<std::string> keys() const;

private:
  struct copy {
    std::string value;
    time_point expires;
  };

  size_t max_;
  absl::flat_hash_map<std::string, copy> copies_;
};

} // namespace ac
