// Count-min sketch (depth 4, 4-bit counters) with a doorkeeper and periodic halving.
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

// Per-row seeds: each of the 4 rows reads an independent-looking hash of the same id.
constexpr uint64_t row_seed[4] = {0x97cb3127c3c1a1e5ULL, 0xc2b2ae3d27d4eb4fULL,
                                  0x165667b19e3779f9ULL, 0x85ebca77c2b2ae63ULL};

// Row i's counter for hash h: a word index (low bits) and one of its 16 nibbles (top bits).
inline void locate(uint64_t h, int i, uint64_t mask, uint64_t& word, unsigned& shift) {
  uint64_t r = mix64(h + row_seed[i]);
  word = r & mask;
  shift = static_cast<unsigned>(r >> 60) * 4;
}

} // namespace

frequency_sketch::frequency_sketch(uint64_t expected_entries, uint64_t seed)
  : expected_entries_(std::max<uint64_t>(expected_entries, 16)),
    sample_size_(10 * expected_entries_), seed_(seed) {
  // One word (16 counters) per two expected entries: Caffeine uses twice that, but the
  // doorkeeper keeps one-time ids out of the counters (the TinyLFU paper's reason for it),
  // and on the shared traces the hit rates did not drop (bench/EVICTION.md).
  uint64_t words = ceil_pow2(expected_entries_) / 2;
  table_.assign(words, 0);
  table_mask_ = words - 1;
  // Doorkeeper: 8 bits per expected entry. A false positive only lets an id's first sighting
  // count, so a small filter costs a little accuracy, not correctness.
  uint64_t bits = ceil_pow2(expected_entries_ * 8);
  door_.assign(bits / 64, 0);
  door_mask_ = bits - 1;
}

bool frequency_sketch::doorkeeper_contains(uint64_t h) const {
  for (int i = 0; i < 2; ++i) {
    uint64_t bit = (i == 0 ? h : (h >> 32) * 0x9e3779b97f4a7c15ULL) & door_mask_;
    if (!(door_[bit >> 6] & (1ULL << (bit & 63))))
      return false;
  }
  return true;
}

void frequency_sketch::doorkeeper_add(uint64_t h) {
  for (int i = 0; i < 2; ++i) {
    uint64_t bit = (i == 0 ? h : (h >> 32) * 0x9e3779b97f4a7c15ULL) & door_mask_;
    door_[bit >> 6] |= 1ULL << (bit & 63);
  }
}

uint32_t frequency_sketch::sketch_min(uint64_t h) const {
  uint32_t result = 15;
  for (int i = 0; i < 4; ++i) {
    uint64_t word;
    unsigned shift;
    locate(h, i, table_mask_, word, shift);
    result = std::min<uint32_t>(result, (table_[word] >> shift) & 0xf);
  }
  return result;
}

void frequency_sketch::increment(uint64_t id) {
  uint64_t h = mix64(id ^ seed_);
  if (!doorkeeper_contains(h)) {
    doorkeeper_add(h);
  } else {
    // Conservative update: raise only the counters at the minimum; it cuts the
    // over-estimate collisions cause without ever under-counting.
    uint32_t min = sketch_min(h);
    if (min < 15) {
      for (int i = 0; i < 4; ++i) {
        uint64_t word;
        unsigned shift;
        locate(h, i, table_mask_, word, shift);
        if (((table_[word] >> shift) & 0xf) == min)
          table_[word] += 1ULL << shift;
      }
    }
  }
  if (++additions_ >= sample_size_)
    reset();
}

uint32_t frequency_sketch::frequency(uint64_t id) const {
  uint64_t h = mix64(id ^ seed_);
  // Counters outlive a reset but the doorkeeper does not: add its bit, never gate on it.
  return sketch_min(h) + (doorkeeper_contains(h) ? 1 : 0);
}

void frequency_sketch::reset() {
  // Halve all 16 nibbles of a word at once: shift right, then drop the bit each nibble
  // received from its upper neighbour.
  for (auto& w : table_)
    w = (w >> 1) & 0x7777777777777777ULL;
  std::fill(door_.begin(), door_.end(), 0);
  additions_ /= 2;
  ++resets_;
}

} // namespace ac
