// One shard's L1 storage: entries with TTL, bounded by bytes and count, evicted by a policy.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <absl/container/flat_hash_map.h>
#include <absl/container/flat_hash_set.h>

#include "core/eviction_policy.hpp"
#include "core/ttl_clock.hpp"

namespace ac {

struct store_options {
  uint64_t max_bytes = 256ull << 20;            ///< byte budget (keys + values + bookkeeping)
  uint64_t max_entries = 1'000'000;             ///< entry budget
  std::chrono::seconds default_ttl{300};        ///< TTL when a put names none (0 s = never expires)
  std::chrono::seconds stale_ttl{0};            ///< how long past its TTL a value may still be served stale
  std::string policy = "lru";                   ///< eviction policy name (core/eviction_policy.hpp)
  uint32_t ghost_capacity = 4096;               ///< recently evicted keys remembered (0 = none)
};

/// Counters of a store since it was created; `entries`/`bytes` are gauges.
struct store_counters {
  uint64_t hits = 0;         ///< fresh values returned
  uint64_t stale_hits = 0;   ///< values returned past their TTL (within stale_ttl)
  uint64_t misses = 0;       ///< absent or fully expired
  uint64_t puts = 0;         ///< accepted writes
  uint64_t rejected = 0;     ///< writes the policy refused or that exceed the budget on their own
  uint64_t evictions = 0;    ///< entries dropped to stay within budget
  uint64_t expirations = 0;  ///< entries dropped because their TTL (+ stale_ttl) ended
  uint64_t erases = 0;       ///< entries dropped by erase()
  uint64_t ghost_hits = 0;   ///< misses on recently evicted keys: hits a larger budget would have had
};

/// What get() found. `value` points into the store and is valid until the next mutating call.
struct store_lookup {
  std::string_view value;
  bool found = false;
  bool stale = false;  ///< past TTL but within stale_ttl: serve it, and refresh it
  explicit operator bool() const { return found; }
};

/// Keyed by the 64-bit key hash (core/key_normalization key_hash) with the full key kept to
/// tell colliding keys apart: a colliding put replaces the older key, a colliding get misses.
/// Single-threaded: one shard actor owns one store.
class cache_store {
public:
  /// Bookkeeping bytes charged per entry on top of key and value (map slot, policy node, strings).
  static constexpr uint64_t entry_overhead = 96;

  cache_store(store_options opts, const clock_source& clock);

  /// Looks a key up; counts a hit, stale hit or miss. Expired entries past stale_ttl are dropped.
  store_lookup get(std::string_view key, uint64_t hash);

  /// Stores a value; ttl 0 uses default_ttl. Returns false when it could not be kept
  /// (policy refused it, or it alone exceeds the budget); the old value is gone either way.
  bool put(std::string_view key, uint64_t hash, std::string_view value, std::chrono::seconds ttl);

  /// Removes a key; true when it was present (expired or not).
  bool erase(std::string_view key, uint64_t hash);

  /// Drops entries whose TTL + stale_ttl ended by now; returns how many.
  size_t sweep();

  /// New budgets; evicts down to them at once.
  void resize(uint64_t max_bytes, uint64_t max_entries);

  /// The TTL left for a key in seconds (0 when absent or already past it).
  std::chrono::seconds ttl_left(std::string_view key, uint64_t hash) const;

  const store_counters& counters() const { return counters_; }
  uint64_t entries() const { return map_.size(); }
  uint64_t bytes() const { return bytes_; }
  uint64_t max_bytes() const { return opts_.max_bytes; }
  uint64_t max_entries() const { return opts_.max_entries; }
  std::string_view policy_name() const { return policy_->name(); }

  /// What an entry of this key and value is charged against max_bytes.
  static uint64_t weight_of(std::string_view key, std::string_view value) {
    return key.size() + value.size() + entry_overhead;
  }

private:
  /// Key and value share one allocation and the entry stays small, because the hash table
  /// keeps (1 / load factor) slots per entry: see bench/memory_per_entry.
  struct entry {
    std::unique_ptr<char[]> data;  ///< key bytes, then value bytes
    uint32_t key_len = 0;
    uint32_t value_len = 0;
    int64_t expires_ns = 0;        ///< steady-clock ns; INT64_MAX = never
    std::string_view key() const { return {data.get(), key_len}; }
    std::string_view value() const { return {data.get() + key_len, value_len}; }
    uint64_t weight() const { return key_len + value_len + entry_overhead; }
    void assign(std::string_view k, std::string_view v);
  };

  int64_t now_ns() const;
  void drop(uint64_t hash, bool evicted);
  void apply_evictions();
  void enforce_entry_bound();
  void remember_evicted(uint64_t hash);

  store_options opts_;
  const clock_source& clock_;
  std::unique_ptr<eviction_policy> policy_;
  absl::flat_hash_map<uint64_t, entry> map_;
  /// Expiry index: second of final expiry -> hashes that may end then (checked lazily, so a
  /// hash whose entry was overwritten or erased since is simply skipped).
  std::map<int64_t, std::vector<uint64_t>> expiry_;
  std::vector<uint64_t> evicted_;  ///< scratch buffer reused across calls
  /// Ghost list: hashes of the last ghost_capacity evicted keys (ring + set), so a miss can tell
  /// whether more capacity would have made it a hit; the sizing supervisor reads ghost_hits.
  std::vector<uint64_t> ghost_ring_;
  size_t ghost_next_ = 0;
  absl::flat_hash_set<uint64_t> ghost_set_;
  uint64_t bytes_ = 0;
  store_counters counters_;
};

} // namespace ac
