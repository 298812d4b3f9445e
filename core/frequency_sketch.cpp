// Count-min sketch (depth 4, 4-bit counters) with periodic halving.
#include "core/frequency_sketch.hpp"

#include <algorithm>

namespace ac {
namespace {

uint64_t ceil_pow2(uint64_t x) {
  uint64_t p = 1;
  while (p < x)
    p <<= 1;
  return p;
}

constexpr uint64_t counter_salt = 0x9e3779b97f4a7c15ULL;

} // namespace

// Where an id's counters live: one 64-byte block chosen by the low bits of its hash; within
// it, row i owns words 2i and 2i+1 and the id's counter is one nibble of one of them, picked
// by byte i of a second hash. One cache miss per access instead of four (Caffeine's layout).
struct frequency_sketch::spot {
  uint64_t block;   // index of the block's first word
  uint64_t select;  // byte i picks row i's word (bit 0) and nibble (bits 1..4)
  uint64_t word(int i) const { return block + ((select >> (8 * i)) & 7); }
  unsigned shift(int i) const { return static_cast<unsigned>((select >> (8 * i + 3)) & 15) * 4; }
};

frequency_sketch::frequency_sketch(uint64_t expected_entries, uint64_t seed)
  : expected_entries_(std::max<uint64_t>(expected_entries, 16)),
    sample_size_(10 * expected_entries_), seed_(seed) {
  // One word (16 counters) per two expected entries: half of Caffeine's table, 4 bytes per
  // entry in a store. Caffeine's size gained 0.8 point on one shared row (multi1@500) and
  // nothing elsewhere (bench/EVICTION.md): not worth 4 more bytes per entry.
  uint64_t words = std::max<uint64_t>(8, ceil_pow2(expected_entries_) / 2);
  table_.assign(words + 8, 0);  // + 8: room to align the first block to a cache line
  table_offset_ = (64 - reinterpret_cast<uintptr_t>(table_.data()) % 64) % 64 / 8;
  block_mask_ = words / 8 - 1;
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

// Every access counts, and all four counters go up (none saturated). No doorkeeper: sized
// for the cache, it filled up on traces with many more one-time keys than entries (gli, cs),
// and its false positives then decided duels at random. No conservative update either: raising
// only the minimum counters let collisions reorder keys of equal frequency, and a loop (every
// key alike, the residents kept by ties) lost 5 points to that.
void frequency_sketch::increment(uint64_t id) {
  spot s = locate(mix64(id ^ seed_));
  for (int i = 0; i < 4; ++i)
    if (((table_[s.word(i)] >> s.shift(i)) & 0xf) < 15)
      table_[s.word(i)] += 1ULL << s.shift(i);
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
