// A bounded model of "after key A, key B came next", learned from an access stream, for predictive prefetch.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace ac {

struct successor_options {
  uint64_t tracked_keys = 4096; ///< predecessors tracked at once (rounded up to a power of two)
  uint32_t window = 1;          ///< record(): a key follows each of the last `window` distinct keys
  uint64_t aging_period =
    0; ///< observations between two halvings of every count (0: 8 x tracked_keys)
};

/// One likely successor of a key.
struct prediction {
  uint64_t key = 0;      ///< the successor's id (a key hash on the node, an integer in the sim)
  uint32_t count = 0;    ///< times it followed the key since the counts were last halved
  double confidence = 0; ///< count / times the key was followed by anything (0..1)
};

/// For every tracked predecessor a row of `successor_slots` (successor, count) pairs and how
/// often the predecessor was seen, in a set-associative table indexed by the predecessor's id.
///
/// Why a window: a shard's stream is several clients' streams interleaved and only the keys
/// hashed to that shard, so "the very next key" is rarely the one that truly follows. record()
/// counts a key as a successor of each of the last `window` distinct keys, so B still counts
/// for A when a few unrelated reads came between them; the confidence stays "in what share of
/// A's occurrences did B follow within the window".
///
/// Why this shape: a per-key successor list must stay small and fixed (it sits next to L1 and
/// is fed on the read path), and it must ignore noise: a successor enters a row only through a
/// free slot; when none is free, a newcomer wears the weakest slot down by one instead of
/// taking it (the "frequent items" rule), so a one-off successor never displaces one that keeps
/// coming back, and a changed pattern still takes over after a few repetitions. Predecessors
/// compete for the `ways` rows of their set the same way TinyLFU's sketch fades: the row seen
/// least gives way, and every count is halved each aging_period observations, so what stopped
/// happening is forgotten. Counts are 8-bit; a row that would overflow is halved on its own,
/// which keeps its ratios (confidences).
///
/// Memory: bytes_per_key (64, one cache line) per tracked predecessor, fixed at construction; predict()
/// allocates nothing beyond `out`. Not thread-safe: one shard owns one, under its lock.
class successor_predictor {
public:
  static constexpr size_t ways = 4;            ///< predecessors per set
  static constexpr size_t successor_slots = 6; ///< successors remembered per predecessor

  explicit successor_predictor(successor_options opts = {});

  /// Records one occurrence of `prev` that `next` followed (a read of the same key twice in a
  /// row teaches nothing and is ignored). The building block of record(), and its window-1 form.
  void observe(uint64_t prev, uint64_t next);

  /// Appends a key to the stream: one occurrence of `key`, and a successor of each of the last
  /// `window` distinct keys recorded before it.
  void record(uint64_t key);

  /// Up to `k` successors of `key` that followed it at least `min_count` times and in at least
  /// `min_confidence` of its observations, most frequent first; replaces `out`'s contents.
  /// min_count >= 2 keeps a single coincidence from ever becoming a prediction.
  void predict(uint64_t key, size_t k, double min_confidence, std::vector<prediction>& out,
               uint32_t min_count = 2) const;
  std::vector<prediction> predict(uint64_t key, size_t k, double min_confidence,
                                  uint32_t min_count = 2) const;

  /// Predecessors with a row now (at most capacity()).
  size_t tracked() const;
  /// Rows in the table: the bound on tracked().
  size_t capacity() const { return rows_.size(); }
  /// Bytes of the table (capacity() x bytes_per_key).
  size_t memory_bytes() const { return rows_.size() * sizeof(row); }
  /// Halvings of the whole table so far.
  uint64_t agings() const { return agings_; }
  uint64_t aging_period() const { return aging_period_; }

  static constexpr size_t bytes_per_key = 64;

private:
  struct row {
    uint64_t key = 0;                    // the predecessor (meaningless while seen == 0)
    uint64_t next[successor_slots] = {}; // successors (a slot is free while its count is 0)
    uint8_t count[successor_slots] = {};
    uint8_t seen = 0; // occurrences of `key` since halved; 0: empty row
    uint8_t pad_ = 0;
  };
  static_assert(sizeof(row) == bytes_per_key, "row layout changed: update bytes_per_key");

  row* find(uint64_t key);
  const row* find(uint64_t key) const;
  row& claim(uint64_t key);
  static void halve(row& r);
  void age();
  row& note_occurrence(uint64_t key);
  static void note_follow(row& r, uint64_t next);

  std::vector<row> rows_;
  uint64_t set_mask_ = 0;
  uint64_t aging_period_ = 0;
  uint64_t observations_ = 0; // since the last aging
  uint64_t agings_ = 0;
  uint32_t window_ = 1;
  std::vector<uint64_t> recent_; // record(): the last `window` distinct keys, oldest first
};

} // namespace ac
