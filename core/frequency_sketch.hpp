// Approximate access frequency for TinyLFU admission: a count-min sketch of 4-bit counters
// that are halved periodically so old popularity fades.
#pragma once

#include <cstdint>
#include <vector>

namespace ac {

/// splitmix64's finalizer: spreads sequential or clustered ids over all 64 bits before they
/// index a table (trace ids are small integers; store ids are hashes, mixing costs nothing).
inline uint64_t mix64(uint64_t x) {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  x ^= x >> 31;
  return x;
}

/// The smallest power of two >= x (1 for 0): table sizes that index with a mask.
inline uint64_t ceil_pow2(uint64_t x) {
  uint64_t p = 1;
  while (p < x)
    p <<= 1;
  return p;
}

/// Estimates how often each id was seen in the recent past, in 0..15. After `sample_size`
/// increments every counter is halved ("reset" in the TinyLFU paper), so the estimate follows
/// a shifting workload. Memory per expected entry: 8 bytes (16 counters, Caffeine's size).
class frequency_sketch {
public:
  /// Sizes the tables for about `expected_entries` distinct resident ids (at least 16).
  /// `seed` picks which counters an id maps to: a secret seed keeps an attacker from
  /// crafting keys that inflate a victim's counters (hash flooding).
  explicit frequency_sketch(uint64_t expected_entries, uint64_t seed = 0);

  /// Starts loading the cache lines increment(id) and frequency(id) will touch.
  void prefetch(uint64_t id) const;

  /// Records one access of `id` (conservative update: raises only its lowest counters).
  void increment(uint64_t id);

  /// The estimated recent access count of `id` (never below the true count since the last
  /// reset, halved per reset; may be above it on hash collisions).
  uint32_t frequency(uint64_t id) const;

  /// Doubles the tables for twice the expected entries, keeping every id's counts: an id's
  /// block is picked by the low bits of its hash, so with one more bit it lands in its old
  /// block or that block's copy in the new upper half. A store grows its sketch with its
  /// entries instead of sizing it for the largest count it may ever hold.
  void grow();

  /// Increments between two halvings: 10x the expected entries, as in Caffeine.
  uint64_t sample_size() const { return sample_size_; }
  /// Number of halvings done so far (for tests).
  uint64_t resets() const { return resets_; }
  /// The entry count the tables were sized for.
  uint64_t expected_entries() const { return expected_entries_; }

private:
  struct spot;
  spot locate(uint64_t h) const;
  void reset();
  uint32_t sketch_min(const spot& s) const;

  uint64_t expected_entries_;
  uint64_t sample_size_;
  uint64_t additions_ = 0; // increments since the last reset
  uint64_t resets_ = 0;
  uint64_t seed_;
  std::vector<uint64_t> table_; // 16 counters of 4 bits per word, in blocks of 8 words
  uint64_t table_offset_ = 0;   // words before the first cache-line-aligned block
  uint64_t block_mask_ = 0;     // block count - 1 (a power of two)
};

} // namespace ac
