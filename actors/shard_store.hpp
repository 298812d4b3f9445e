// A shard's L1 behind one mutex: owned by the shard actor, read by RESP sessions that answer hits on their own thread.
//
// Why: a GET that hits L1 cost a session -> shard -> session round of messages, and on a
// sharing scheduler each hop may wake another worker (issue 13's client-actor rows, issue 17's
// "a hit answered on the thread that read the request"). A session now try-locks the store,
// answers a fresh hit straight from the slab (no copy into a message), and only misses, stale
// entries and a contended lock take the message path. The shard takes the same mutex for every
// store access; an uncontended lock costs tens of nanoseconds, a message hop microseconds.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>

#include <absl/container/flat_hash_map.h>
#include <absl/container/flat_hash_set.h>

#include "core/cache_store.hpp"
#include "core/heavy_hitters.hpp"
#include "core/lent_keys.hpp"
#include "core/refresh_ahead.hpp"
#include "core/ttl_clock.hpp"

namespace ac {

struct shard_store {
  std::mutex mutex; ///< guards everything below
  /// Where L1's "now" comes from (TTL expiry, stale hits, refresh-ahead; not the near copies
  /// lent to peers, which expire on the fronts' monotonic clock):
  /// the monotonic clock, or a manual_clock a test advances (node_overrides::clock). Outlives a
  /// restarted shard: the store refers to it.
  std::shared_ptr<const clock_source> clock = std::make_shared<system_clock_source>();
  std::unique_ptr<cache_store> store; ///< replaced whole when the shard (re)starts
  heavy_hitters hot{
    64}; ///< the shard's hottest keys now (sampled reads, inline ones too): near copies
  /// The same samples with a long memory (halved every ~30 s instead of every second) and room
  /// for a few thousand keys: the list warming hands to a node that joins or heals, which must
  /// name a restarted member's keys even after a minute of downtime and at modest rates.
  heavy_hitters warm{64};
  uint64_t sample_state = 1;   ///< pseudo-random sequence that picks the sampled reads
  uint64_t hot_threshold = 64; ///< sampled reads that make a key hot (the shard's setting)
  refresh_ahead refresh;       ///< which hits start a refresh-ahead (cache.refresh-ahead)
  /// cache.refresh-ahead, one knob for every shard of the node, so SIGHUP changes it at once
  /// (and a restarted shard keeps the reloaded value). Never null once the shard started.
  std::shared_ptr<const std::atomic<double>> refresh_fraction;

  /// Samples one read in 16 into `hot` and `warm` (weighted 16): hot keys still stand out, and
  /// the sketches stay off most hits. Which reads is decided by a cheap LCG, not a counter: a
  /// client that reads the same MGET of an even number of keys over and over would otherwise
  /// only ever sample the same positions of it. Lock held.
  void sample_read(std::string_view key) {
    sample_state = sample_state * 6364136223846793005ull + 1442695040888963407ull;
    if ((sample_state >> 60) == 0) { // the top bits of an LCG: 1 in 16, without a period of 16
      hot.record(key, 16);
      warm.record(key, 16);
    }
  }

  /// On a fresh hit of `key` with `ttl_left_ms` left: true when this hit must start the key's
  /// refresh-ahead; it is marked in flight then, so only this hit does. The common hit, early in
  /// its lifetime, costs one comparison. Lock held.
  bool refresh_due(std::string_view key, int64_t ttl_left_ms) {
    double f = refresh_fraction ? refresh_fraction->load(std::memory_order_relaxed) : 0.0;
    if (!refresh.may_be_due(ttl_left_ms, f))
      return false;
    return refresh.start(key, ttl_left_ms, hot.is_hot(key, hot_threshold), f, clock->now());
  }

  /// A new value of `key` entered the store with `ttl` (0 = the default). Lock held.
  void note_fill(std::string_view key, std::chrono::seconds ttl) {
    refresh.filled(key, ttl, hot.is_hot(key, hot_threshold));
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

  /// Keys answered as hot within the last hot_ttl: peers may hold near copies of them, so a
  /// put or delete of one tells every peer at once (else they would serve it stale for up to
  /// cluster.hot-ttl). Here, not in the shard, so that a writer off the message path sees which
  /// keys it must leave to it. On the monotonic clock, as the peers' copies expire.
  lent_keys lent{4096};

  /// Whether peers may hold a near copy of `key` now. Lock held.
  bool is_lent(const std::string& key) const {
    // No clock read without loans: the inline read and write paths ask for every key.
    return !lent.empty() && lent.is_lent(key, std::chrono::steady_clock::now());
  }

  /// `key` was written or went away: it is lent no more; true when peers may still hold a copy
  /// (the writer tells them). Lock held.
  bool take_lent(const std::string& key) {
    return !lent.empty() && lent.take(key, std::chrono::steady_clock::now());
  }

  /// A read missed `key` (hash `h`): a warm's entry for it was evicted unread, if it was one.
  /// True when the key is hot (a miss refresh-ahead exists to prevent: counted as
  /// hot_misses). Lock held.
  bool note_miss(std::string_view key, uint64_t h) {
    prefetched.erase(h);
    return hot.is_hot(key, hot_threshold);
  }

  /// The store's write_seq when the owners of keys last changed: a key written here since then
  /// is newer than whatever copy its previous owner kept for the hand-off (the coalescer does
  /// not ask that one for it). Lock held.
  uint64_t owners_changed_at = 0;

  /// Nothing stands behind this L1 (no L2, no loader: the shard has no coalescer), so a key it
  /// does not hold is simply absent and readers off the message path may say so themselves.
  bool misses_final = false;
  /// Such misses of keys that were hot (the shard adds them to its hot_misses).
  uint64_t final_hot_misses = 0;

  /// A read off the shard's message path (a RESP session, an I/O loop): a fresh hit, a final
  /// miss, or neither (the shard must answer).
  struct fast_hit {
    std::string_view value; ///< into the store: valid while the lock is held, or `pin` is
    /// A large value's pin (store_lookup::pin): `value` may be read after unlocking.
    std::shared_ptr<const char> pin;
    int64_t ttl_left_ms = 0;
    bool refresh = false; ///< this hit starts the key's refresh-ahead (ask once unlocked)
    uint64_t since = 0; ///< the store's write_seq at the read (the refresh loses to a later write)
    bool found = false;
    bool miss = false; ///< absent and misses_final: nil is the answer (the miss is counted)
    explicit operator bool() const { return found; }
    bool answered() const { return found || miss; }
  };

  /// Reads `key` (hash `h`) with the bookkeeping the shard does for its own reads: the read
  /// sample, the warm-fill count, the refresh-ahead mark; with misses_final, an absent key's
  /// miss too. Anything else (stale, expired, a miss with a loader or L2 behind) is left to the
  /// shard, which handles and counts it. `hits_only`: a miss is never the answer (a lease is
  /// granted on a miss even where nothing stands behind L1). Lock held, store set.
  fast_hit read_hit(std::string_view key, uint64_t h, bool hits_only = false) {
    fast_hit out;
    // A key L2 said lately it lacks (core/absent_marks) is a final miss too.
    auto found = store->try_hit(key, h, misses_final && !hits_only, !hits_only);
    if (found.absent) {
      sample_read(key);
      final_hot_misses += note_miss(key, h);
      out.miss = true;
      return out;
    }
    if (!found)
      return out;
    sample_read(key);
    note_hit(h);
    out.value = found.value;
    out.pin = std::move(found.pin);
    out.ttl_left_ms = found.ttl_left_ms;
    out.refresh = refresh_due(key, found.ttl_left_ms);
    out.since = store->write_seq();
    out.found = true;
    return out;
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
