// Keys L2 (Redis) answered it does not hold, remembered for a moment so that repeated misses of them stay in L1.
#pragma once

#include <cstddef>
#include <cstdint>

#include <absl/container/flat_hash_map.h>

namespace ac {

/// Why: with Redis behind L1 and nothing to compute a missing value, a GET of a key nobody wrote
/// costs a trip to Redis every time (the hops through the shard, its coalescer, the Redis
/// bridge and a worker thread: ~40 us of CPU each, against under 1 for a hit), so a client that
/// reads absent keys in a loop (a typo, a probe, a cache-penetration storm) keeps Redis and the
/// node busy. Redis's answer "not there" is remembered for a short while, as a hit's value is,
/// and forgotten at once when the key is written or filled.
///
/// A pure table: the store (core/cache_store) owns one, keyed by the 64-bit key hash (two keys
/// sharing a hash would share a mark: a miss sent to Redis for nothing, or an answer "absent"
/// for one that exists, at odds of 2^-64 a pair); deadlines are on the store's clock.
class absent_marks {
public:
  /// At most `capacity` marks: a table that fills up is cleared (the next misses go to Redis
  /// again), which bounds its memory without an order to evict in.
  explicit absent_marks(size_t capacity = 65536) : capacity_(capacity) {}

  /// Remembers `hash` as absent until `until` (clock units of the caller).
  void note(uint64_t hash, int64_t until) {
    if (capacity_ == 0)
      return;
    if (marks_.size() >= capacity_ && !marks_.contains(hash))
      marks_.clear();
    marks_[hash] = until;
  }

  /// Whether `hash` is marked absent at `now`. An expired mark reads as none (it is dropped when
  /// the key is written, filled, or the table fills up).
  bool holds(uint64_t hash, int64_t now) const {
    if (marks_.empty())
      return false;
    auto it = marks_.find(hash);
    return it != marks_.end() && now < it->second;
  }

  /// The key was written or filled: it is no longer known absent.
  void forget(uint64_t hash) {
    if (!marks_.empty())
      marks_.erase(hash);
  }

  void clear() { marks_.clear(); }
  bool empty() const { return marks_.empty(); }
  size_t size() const { return marks_.size(); }

private:
  size_t capacity_;
  absl::flat_hash_map<uint64_t, int64_t> marks_;
};

} // namespace ac
