// A bounded table from key hash back to the key, for turning predicted hashes into keys to load.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ac {

/// Direct-mapped: each hash has one slot, and a newer key whose hash maps there replaces the
/// older one. Why: the successor predictor keeps 8-byte hashes (fixed rows, no strings on its
/// path), and a prediction is only worth a load while its key was seen lately; a key that fell
/// out of the book is simply not prefetched. Memory: `slots` x (48 + the key's length) at most.
/// Not thread-safe: its owner locks it (actors/prefetch_model.hpp).
class key_book {
public:
  /// At least `slots` slots (rounded up to a power of two).
  explicit key_book(size_t slots = 4096);

  /// Remembers `key` under `hash` (its key_hash).
  void put(uint64_t hash, std::string_view key);

  /// The key remembered under `hash`, if its slot still holds it.
  std::optional<std::string> get(uint64_t hash) const;

  size_t slots() const { return slots_.size(); }

private:
  struct slot {
    uint64_t hash = 0;
    bool used = false;
    std::string key;
  };
  std::vector<slot> slots_;
  uint64_t mask_ = 0;
};

} // namespace ac
