// Count-min sketch (depth 4, 4-bit counters, conservative update) with periodic halving.
#include "core/frequency_sketch.hpp"

#include <algorithm>

namespace ac {
namespace {

constexpr uint64_t counter_salt = 0x9e3779b97f4a7c15ULL;

} // namespace

// Where an id's counters live: one 64-byte block chosen by the low bits of its hash; within
// it, row i owns words 2i and 2i+1 and the id's counter is one nibble of one of them, picked
// by byte i of a second hash. One cache miss per access instead of four (Caffeine's layout).
// Rows own their words: when any row could pick any of the block's 8 words, two of an id's
// four counters were sometimes one counter, and ids of a block collided more; keeping the rows
// apart moved multi1@500 (static 1% window) from 54.15% to 54.67% (mean of seeds 1-5).
struct frequency_sketch::spot {
  uint64_t block;  // index of the block's first word
  uint64_t select; // byte i picks row i's word (bit 0) and nibble (bits 1..4)
  uint64_t word(int i) const { return block + 2 * i + ((select >> (8 * i)) & 1); }
  unsigned shift(int i) const { return static_cast<unsigned>((select >> (8 * i + 1)) & 15) * 4; }
};

frequency_sketch::frequency_sketch(uint64_t expected_entries, uint64_t seed)
  : expected_entries_(std::max<uint64_t>(expected_entries, 16)),
    sample_size_(10 * expected_entries_), seed_(seed) {
  // One word (16 counters) per expected entry: Caffeine's table, 8 bytes per entry in a store
  // (4.3 more than half of it, 2.9% of an entry at 1M entries). With half of it, collisions
  // decided close duels: multi1@500 moved by 1.4 points with the seed (bench/EVICTION.md).
  uint64_t words = std::max<uint64_t>(8, ceil_pow2(expected_entries_));
  table_.assign(words + 8, 0); // + 8: room to align the first block to a cache line
  table_offset_ = (64 - reinterpret_cast<uintptr_t>(table_.data()) % 64) % 64 / 8;
  block_mask_ = words / 8 - 1;
}

void frequency_sketch::grow() {
  uint64_t words = (block_mask_ + 1) * 8;
  std::vector<uint64_t> table(2 * words + 8, 0);
  uint64_t offset = (64 - reinterpret_cast<uintptr_t>(table.data()) % 64) % 64 / 8;
  auto old_first = table_.begin() + static_cast<std::ptrdiff_t>(table_offset_);
  auto old_last = old_first + static_cast<std::ptrdiff_t>(words);
  std::copy(old_first, old_last, table.begin() + static_cast<std::ptrdiff_t>(offset));
  std::copy(old_first, old_last, table.begin() + static_cast<std::ptrdiff_t>(offset + words));
  table_.swap(table);
  table_offset_ = offset;
  block_mask_ = 2 * words / 8 - 1;
  expected_entries_ *= 2;
  sample_size_ = 10 * expected_entries_;
}

frequency_sketch::spot frequency_sketch::locate(uint64_t h) const {
  return {table_offset_ + (h & block_mask_) * 8, mix64(h + counter_salt)};
}

void frequency_sketch::prefetch(uint64_t id) const {
  uint64_t h = mix64(id ^ seed_);
  __builtin_prefetch(&table_[table_offset_ + (h & block_mask_) * 8]);
}

uint32_t frequency_sketch::sketch_min(const spot& s) const {
  uint32_t result = 15;
  for (int i = 0; i < 4; ++i)
    result = std::min<uint32_t>(result, (table_[s.word(i)] >> s.shift(i)) & 0xf);
  return result;
}

// Every access counts. No doorkeeper: sized for the cache, it filled up on traces with many
// more one-time keys than entries (gli, cs), and its false positives then decided duels at
// random. Conservative update: only the counters at the id's minimum go up, so a counter that
// other ids inflated is not inflated further, and estimates stay closer to the true counts.
// (Near-exact counts once broke loops: an entry just read counts one more than a resident not
// yet read this cycle, and won every duel; admission now asks for more than one access of
// lead, wtinylfu_policy::admit.)
void frequency_sketch::increment(uint64_t id) {
  spot s = locate(mix64(id ^ seed_));
  // Each counter read once: rows own their words, so raising one never changes another's.
  uint64_t* word[4];
  unsigned shift[4];
  uint32_t count[4];
  for (int i = 0; i < 4; ++i) {
    word[i] = &table_[s.word(i)];
    shift[i] = s.shift(i);
    count[i] = (*word[i] >> shift[i]) & 0xf;
  }
  uint32_t least = std::min(std::min(count[0], count[1]), std::min(count[2], count[3]));
  if (least < 15)
    for (int i = 0; i < 4; ++i)
      if (count[i] == least)
        *word[i] += uint64_t{1} << shift[i];
  if (++additions_ >= sample_size_)
    reset();
}

uint32_t frequency_sketch::frequency(uint64_t id) const {
  return sketch_min(locate(mix64(id ^ seed_)));
}

void frequency_sketch::reset() {
  // Halve all 16 nibbles of a word at once: shift right, then drop the bit each nibble
  // received from its upper neighbour.
  for (auto& w : table_)
    w = (w >> 1) & 0x7777777777777777ULL;
  additions_ /= 2;
  ++resets_;
}

} // namespace ac
