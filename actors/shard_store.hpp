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
  uint64_t reads = 0;                ///< reads seen, for sampling into `hot`

  /// Counts a read and samples every 16th into `hot` (weighted 16): hot keys still stand out,
  /// and the sketch's O(capacity) replacement stays off the common hit path. Lock held.
  void sample_read(std::string_view key) {
    if ((++reads & 15) == 0)
      hot.record(key, 16);
  }
};

} // namespace ac
