// A shard's L1 behind one mutex: owned by the shard actor, read by RESP sessions that answer hits on their own thread.
//
// Why: a GET that hits L1 cost a session -> shard -> session round of messages, and on a
// sharing scheduler each hop may wake another worker (issue 13's client-actor rows, issue 17's
// "a hit answered on the thread that read the request"). A session now try-locks the store,
// answers a fresh hit straight from the slab (no copy into a message), and only misses, stale
// entries and a contended lock take the message path. The shard takes the same mutex for every
// store access; an uncontended lock costs tens of nanoseconds, a message hop microseconds.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>

#include "core/cache_store.hpp"
#include "core/heavy_hitters.hpp"
#include "core/ttl_clock.hpp"

namespace ac {

struct shard_store {
  std::mutex mutex;                  ///< guards everything below
  system_clock_source clock;         ///< outlives a restarted shard: the store refers to it
  std::unique_ptr<cache_store> store;  ///< replaced whole when the shard (re)starts
  heavy_hitters hot{64};             ///< the shard's hottest keys now (sampled reads, inline ones too): near copies
  /// The same samples with a long memory (halved every ~30 s instead of every second) and room
  /// for a few thousand keys: the list warming hands to a node that joins or heals, which must
  /// name a restarted member's keys even after a minute of downtime and at modest rates.
  heavy_hitters warm{64};
  uint64_t sampler = 0x9E3779B97F4A7C15ull;  ///< LCG state that picks the sampled reads

  /// Samples one read in 16 into `hot` (weighted 16), at random: hot keys still stand out, the
  /// sketch stays off most hits, and a periodic access pattern (a client cycling through a key
  /// list) cannot alias with the sampling and hide some keys from it for good. Lock held.
  void sample_read(std::string_view key) {
    sampler = sampler * 6364136223846793005ull + 1442695040888963407ull;  // Knuth's MMIX LCG
    if ((sampler >> 60) == 0) {  // the top bits of an LCG are its most random
      hot.record(key, 16);
      warm.record(key, 16);
    }
  }
};

/// A read this node's clients made of a key another node owns (forwarded there): one in 16 is
/// recorded in the warming list of the local shard that would hold the key, so when the owner
/// restarts (and its own lists are gone) its peers still name the keys their clients read.
/// Decides at random before taking the lock: the other 15 cost one multiply.
inline void note_forwarded_read(shard_store* ss, std::string_view key) {
  thread_local uint64_t sampler = 0x2545F4914F6CDD1Dull ^ reinterpret_cast<uintptr_t>(&sampler);
  sampler = sampler * 6364136223846793005ull + 1442695040888963407ull;
  if (ss == nullptr || (sampler >> 60) != 0)
    return;
  std::lock_guard<std::mutex> guard{ss->mutex};
  ss->warm.record(key, 16);
}

} // namespace ac
