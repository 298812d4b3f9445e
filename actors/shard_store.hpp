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
  heavy_hitters hot{64};             ///< the shard's hottest keys (sampled reads, inline ones too)
  uint64_t sampler = 0x9E3779B97F4A7C15ull;  ///< LCG state that picks the sampled reads

  /// Samples one read in 16 into `hot` (weighted 16), at random: hot keys still stand out, the
  /// sketch stays off most hits, and a periodic access pattern (a client cycling through a key
  /// list) cannot alias with the sampling and hide some keys from it for good. Lock held.
  void sample_read(std::string_view key) {
    sampler = sampler * 6364136223846793005ull + 1442695040888963407ull;  // Knuth's MMIX LCG
    if ((sampler >> 60) == 0)  // the top bits of an LCG are its most random
      hot.record(key, 16);
  }
};

} // namespace ac
