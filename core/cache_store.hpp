// One shard's L1 storage: entries with TTL, bounded by bytes and count, evicted by a policy.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <absl/container/flat_hash_set.h>

#include "core/absent_marks.hpp"
#include "core/eviction_policy.hpp"
#include "core/os_page_allocator.hpp"
#include "core/slab_arena.hpp"
#include "core/ttl_clock.hpp"
#include "core/write_marks.hpp"

namespace ac {

struct store_options {
  uint64_t max_bytes = 256ull << 20;     ///< byte budget (keys + values + bookkeeping)
  uint64_t max_entries = 1'000'000;      ///< entry budget
  std::chrono::seconds default_ttl{300}; ///< TTL when a put names none (0 s = never expires)
  std::chrono::seconds stale_ttl{0}; ///< how long past its TTL a value may still be served stale
  std::string policy = "lru";        ///< eviction policy name (core/eviction_policy.hpp)
  uint32_t ghost_capacity = 4096;    ///< recently evicted keys remembered (0 = none)
};

/// Counters of a store since it was created; `entries`/`bytes` are gauges.
struct store_counters {
  uint64_t hits = 0;        ///< fresh values returned
  uint64_t stale_hits = 0;  ///< values returned past their TTL (within stale_ttl)
  uint64_t misses = 0;      ///< absent or fully expired
  uint64_t puts = 0;        ///< accepted writes
  uint64_t rejected = 0;    ///< writes the policy refused or that exceed the budget on their own
  uint64_t evictions = 0;   ///< entries dropped to stay within budget
  uint64_t expirations = 0; ///< entries dropped because their TTL (+ stale_ttl) ended
  uint64_t erases = 0;      ///< entries dropped by erase()
  uint64_t ghost_hits = 0; ///< misses on recently evicted keys: hits a larger budget would have had
};

/// What get() found. `value` points into the store and is valid until the next mutating call,
/// or while `pin` is held.
struct store_lookup {
  std::string_view value;
  bool found = false;
  bool stale = false; ///< past TTL but within stale_ttl: serve it, and refresh it
  /// Milliseconds until the entry's deadline (at least 1) for a fresh hit; 0 when it never
  /// expires, and for stale hits. From the clock reading the lookup makes anyway, so refresh-ahead
  /// (core/refresh_ahead.hpp) costs the hit path no second lookup.
  int64_t ttl_left_ms = 0;
  bool absent = false; ///< try_hit(count_absent): no entry at all, and the miss was counted
  /// try_hit, or get(pin_large), of an entry over 16 KiB (a large blob, slab_arena::share):
  /// keeps `value` valid and unchanged after the store is unlocked and written to, until
  /// dropped; null otherwise.
  std::shared_ptr<const char> pin;
  explicit operator bool() const { return found; }
};

/// Entries live in a slab arena (key, value and a 20-byte header in one slot) and are found
/// through a chained hash table of 4-byte handles; the eviction policy threads its lists
/// through the headers. At 1M entries of 16-byte keys and 100-byte values that is about
/// 152 bytes per entry with W-TinyLFU, sketch included, 142 with LRU (bench/EVICTION.md).
///
/// `hash` must be key_hash(key) (core/key_normalization): the caller has computed it for
/// routing already, and the table rehashes from the keys it holds. Keys are compared in full,
/// so colliding hashes never mix two keys up. Not thread-safe: a shard actor owns it, and the
/// RESP sessions that answer hits inline lock its shard_store first (actors/shard_store.hpp).
class cache_store : private policy_nodes {
public:
  /// Bookkeeping bytes charged per entry beyond its slot: its share of the hash table (4-8
  /// bytes, by load) and of the policy's frequency sketch (about 5).
  static constexpr uint64_t index_overhead = 14;

  cache_store(store_options opts, const clock_source& clock);
  ~cache_store() override;
  cache_store(const cache_store&) = delete;
  cache_store& operator=(const cache_store&) = delete;

  /// Looks a key up; counts a hit, stale hit or miss. Expired entries past stale_ttl are dropped.
  /// `pin_large`: a large value's hit comes with its pin (store_lookup::pin), for a caller that
  /// copies it after unlocking; others leave it, so a pin that outlives their use never makes a
  /// rewrite of the key take a fresh blob.
  store_lookup get(std::string_view key, uint64_t hash, bool pin_large = false);

  /// A fresh hit or nothing: counts and touches only a hit. Misses, expired and stale entries
  /// are left untouched (and uncounted) for get() on the owner's slow path to handle, so a
  /// reader that tries this first and falls back to get() counts each lookup once. With
  /// `count_absent`, a key the store does not hold at all is counted as get() counts it (the
  /// miss, a ghost hit, the policy's frequency) and returned `absent`: for a reader whose miss
  /// is the answer (nothing behind this store). Expired and stale entries are still left.
  /// With `count_marked`, the same for a key marked absent lately (note_absent): the marks are
  /// looked up only for a key the store does not hold, never on a hit.
  store_lookup try_hit(std::string_view key, uint64_t hash, bool count_absent = false,
                       bool count_marked = false);

  /// Stores a value; ttl 0 uses default_ttl. Returns false when it could not be kept
  /// (policy refused it, or it alone exceeds the budget); the old value is gone either way.
  bool put(std::string_view key, uint64_t hash, std::string_view value, std::chrono::seconds ttl);

  /// put() of a value loaded for a miss: not counted as a write of the key (write_seq), so
  /// that fills do not drop other keys' fills that share a write mark.
  bool fill(std::string_view key, uint64_t hash, std::string_view value, std::chrono::seconds ttl);

  /// Batch lookups hide memory latency in two passes before the gets: prefetch_bucket for
  /// every key, then prefetch_entry for every key (it reads the bucket the first pass
  /// fetched). Neither changes anything.
  void prefetch_bucket(uint64_t hash) const {
    __builtin_prefetch(&buckets_[hash & (buckets_.size() - 1)]);
    policy_->prefetch(hash);
  }
  void prefetch_entry(uint64_t hash) const {
    uint32_t h = buckets_[hash & (buckets_.size() - 1)];
    if (h != null_handle) {
      const char* p = arena_.at(h);
      __builtin_prefetch(p);
      __builtin_prefetch(p + 64); // header, key and a small value span two or three lines
      __builtin_prefetch(p + 128);
    }
  }

  /// A third pass for a batch of hits, after prefetch_entry's lines have arrived: the entries
  /// next to each one in its policy list. A hit moves its entry within that list, which writes
  /// both neighbours' links: two more cache misses per hit, here overlapped across the batch
  /// instead of taken one after another. Reads the entry's header (prefetched before).
  void prefetch_links(uint64_t hash) const;

  /// Removes a key; true when it was present (expired or not). A write of the key: a load
  /// that saw it before is dropped (write_seq, written_since).
  bool erase(std::string_view key, uint64_t hash);

  /// Removes a key's entry without it being a write of the key (counted as an erase): the
  /// value is as current as before, only this store no longer keeps it (its key moved to
  /// another node). Loads of the key in flight stay good, and nothing reads it as written.
  bool drop(std::string_view key, uint64_t hash);

  /// Drops entries whose TTL + stale_ttl ended by now, examining at most `budget` entries
  /// from where the last sweep stopped (so a timer can sweep a big store in slices); returns
  /// how many it dropped. Reads drop expired entries on their own as well.
  size_t sweep(size_t budget = SIZE_MAX);

  /// Redis's SCAN over the hash table: passes the key of every entry not past its TTL in the
  /// buckets from `cursor` on to `visit`, until `budget` entries were examined or `visit`
  /// returns false; returns the cursor to continue from, 0 when the table was walked through.
  /// The cursor counts buckets in reversed-bit order (Redis's dictScan), so a key present for
  /// the whole walk is visited at least once even when the table grows in between (maybe
  /// twice). The cursor is smaller than the bucket count. Counts nothing, changes nothing.
  uint64_t scan(uint64_t cursor, size_t budget,
                const std::function<bool(std::string_view key)>& visit) const;

  /// Drops every entry (counted as erases); returns how many there were.
  uint64_t clear();

  /// New budgets; evicts down to them at once.
  void resize(uint64_t max_bytes, uint64_t max_entries);

  /// Redis's PTTL: milliseconds left, -1 for an entry that never expires, -2 when absent or
  /// past its TTL. Counts nothing (no hit, no miss).
  int64_t pttl(std::string_view key, uint64_t hash) const;

  /// Redis's EXPIRE: a new TTL for a present entry (rounded up to whole seconds, like every
  /// TTL here); a TTL <= 0 erases it. False when the key is absent.
  bool expire(std::string_view key, uint64_t hash, std::chrono::milliseconds ttl);

  /// The TTL left for a key in seconds (0 when absent or already past it).
  std::chrono::seconds ttl_left(std::string_view key, uint64_t hash) const;

  /// The policy's estimate of how often the key with this hash was read lately (0 when the
  /// policy keeps none, e.g. LRU): warming names the hottest resident entries by it.
  uint32_t frequency(uint64_t hash) const { return policy_->frequency(hash); }

  /// Writes (put, erase, expire, clear) so far: a reader that saw a miss notes this, and a
  /// value loaded for it is dropped when written_since (core/write_marks.hpp).
  uint64_t write_seq() const { return writes_.seq(); }
  /// A write of the key accepted and on its way (a put or delete waiting for Redis first): from
  /// now on a load that saw an older state loses to it.
  void note_write(uint64_t hash) {
    writes_.note(hash);
    absent_.forget(hash);
  }
  bool written_since(uint64_t hash, uint64_t seq) const { return writes_.written_since(hash, seq); }

  /// L2 answered that it does not hold the key, for a read that began at write_seq `since`:
  /// the key reads as absent (known_absent) for `for_how_long`, unless it was written since,
  /// is held here, or is written or filled before then (core/absent_marks).
  void note_absent(std::string_view key, uint64_t hash, uint64_t since,
                   std::chrono::milliseconds for_how_long);
  /// Whether L2 said lately that it does not hold the key with this hash.
  bool known_absent(uint64_t hash) const {
    return !absent_.empty() && absent_.holds(hash, now_rel_ns()); // no clock read without marks
  }
  /// Forgets every such answer (the owners of keys changed, or what stands behind L1).
  void forget_absent() { absent_.clear(); }

  const store_counters& counters() const { return counters_; }
  uint64_t entries() const { return count_; }
  uint64_t bytes() const { return bytes_; }
  uint64_t max_bytes() const { return opts_.max_bytes; }
  uint64_t max_entries() const { return opts_.max_entries; }
  std::string_view policy_name() const { return policy_->name(); }

  /// What an entry of this key and value is charged against max_bytes: its arena slot plus
  /// index_overhead.
  static uint64_t weight_of(std::string_view key, std::string_view value);

private:
  // policy_nodes: the policy's view of the entries
  policy_hook& hook(uint32_t h) override;
  uint8_t tag(uint32_t h) const override;
  void set_tag(uint32_t h, uint8_t tag) override;
  uint64_t weight(uint32_t h) const override;
  uint64_t hash(uint32_t h) const override;

  /// The handle of `key`, or null_handle; `link` is set to the word pointing at it.
  uint32_t find(std::string_view key, uint64_t hash, uint32_t** link = nullptr);
  uint32_t find(std::string_view key, uint64_t hash) const;
  bool insert(std::string_view key, uint64_t hash, std::string_view value,
              std::chrono::seconds ttl);
  /// The deadline (seconds after the epoch, 0 = never) of a value put now with `ttl`.
  uint32_t deadline_after(std::chrono::seconds ttl) const;
  /// Writes a new value into `h`'s slot, which has the right size: the entry keeps its bucket
  /// chain and its place in the policy's lists.
  void overwrite(uint32_t h, std::string_view key, uint64_t hash, std::string_view value,
                 uint32_t deadline);
  uint32_t& bucket(uint64_t hash) { return buckets_[hash & (buckets_.size() - 1)]; }
  void grow();
  /// Unlinks `h` from the table, frees its slot and updates counts (not the policy).
  void release(uint32_t h, bool evicted);
  void apply_evictions();
  void enforce_entry_bound();
  void remember_evicted(uint64_t hash);
  int64_t now_rel_ns() const;
  void count_miss(uint64_t hash);
  bool past(uint32_t expires_s, int64_t now_rel, std::chrono::seconds grace) const;
  static int64_t ms_left(uint32_t deadline, int64_t now_rel);

  store_options opts_;
  const clock_source& clock_;
  int64_t epoch_ns_; ///< clock reading at construction: expiry is relative to it
  slab_arena arena_;
  std::vector<uint32_t, os_page_allocator<uint32_t>> buckets_; ///< chain heads; a power of two
  uint64_t count_ = 0;
  size_t sweep_cursor_ = 0; ///< next bucket the sweep examines
  std::unique_ptr<eviction_policy> policy_;
  std::vector<uint32_t> evicted_; ///< scratch buffer reused across calls
  /// Ghost list: hashes of the last ghost_capacity evicted keys (ring + set), so a miss can tell
  /// whether more capacity would have made it a hit; the sizing supervisor reads ghost_hits.
  std::vector<uint64_t> ghost_ring_;
  size_t ghost_next_ = 0;
  absl::flat_hash_set<uint64_t> ghost_set_;
  uint64_t bytes_ = 0;
  store_counters counters_;
  write_marks writes_;
  absent_marks absent_;
};

} // namespace ac
