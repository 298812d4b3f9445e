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

#include <absl/container/flat_hash_set.h>

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

  /// warming.predictive: hashes of entries a warm filled that no read has used yet (at most
  /// max_prefetched; a demand miss of one drops it, as it was evicted unread), and the reads
  /// that used one. Kept here because most hits are answered inline by sessions. Lock held.
  static constexpr size_t max_prefetched = 4096;
  absl::flat_hash_set<uint64_t> prefetched;
  uint64_t prefetch_hits = 0;

  /// A read hit the entry of `hash`: counts it when a warm brought it in. One branch while no
  /// warm is pending. Lock held.
  void note_hit(uint64_t hash) {
    if (!prefetched.empty() && prefetched.erase(hash) != 0)
      ++prefetch_hits;
  }
};

} // namespace ac
