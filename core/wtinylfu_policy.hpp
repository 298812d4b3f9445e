// W-TinyLFU eviction (Caffeine's design): a small LRU window in front of a segmented LRU,
// with frequency-based admission and shadow caches that size the window to the workload.
#pragma once

#include "core/eviction_policy.hpp"
#include "core/frequency_sketch.hpp"

#include <absl/container/flat_hash_map.h>

#include <list>

namespace ac {

struct wtinylfu_options {
  double window_fraction = 0.01;    ///< initial share of the capacity for the LRU window
  double protected_fraction = 0.80; ///< share of the main space (capacity - window) kept for re-used keys
  bool adapt = true;                ///< tune the window size with shadow caches (off: fixed window_fraction)
  bool jitter = true;               ///< admit 1/128 of warm losing candidates (defends against hash flooding)
  uint64_t expected_entries = 0;    ///< sketch sizing; 0: min(capacity, 65536), grown with the resident count
  uint64_t seed = 0x5eed;           ///< seeds the jitter so runs are reproducible
};

/// New keys enter the window (LRU). Keys pushed out of the window become candidates for the
/// main space and are admitted only if the sketch says they are used more often than the
/// main space's victim (the probation segment's LRU key); ties go to the victim. Main keys
/// hit while in probation move to the protected segment.
///
/// Window size: small shadow copies of this policy, each with a fixed window fraction from 0.01
/// to 1 (pure LRU), replay a hash-sampled part of the key stream (all of it
/// for caches up to ~2k entries). Every period the window moves to the fraction whose shadow
/// had the most recent hits. This replaces Caffeine's production hill climber, whose noisy
/// per-sample hit rates could not find the ~90% window recency-heavy traces (sprite) need;
/// it costs 9 small shadows: ~10x the policy work for small caches, far less for large ones.
///
/// Frequency is counted once per access: on_hit, on_miss, and on_insert unless that insert
/// directly follows on_miss for the same id (the store's miss-then-load path).
class wtinylfu_policy final : public eviction_policy {
public:
  explicit wtinylfu_policy(uint64_t capacity, wtinylfu_options opts = {});
  ~wtinylfu_policy() override;

  void on_hit(uint64_t id) override;
  void on_insert(uint64_t id, uint64_t weight, std::vector<uint64_t>& evicted) override;
  void on_update(uint64_t id, uint64_t weight, std::vector<uint64_t>& evicted) override;
  void on_remove(uint64_t id) override;
  void on_miss(uint64_t id) override;
  void set_capacity(uint64_t capacity, std::vector<uint64_t>& evicted) override;
  std::optional<uint64_t> evict_one() override;

  uint64_t capacity() const override { return capacity_; }
  uint64_t weight() const override { return weight_; }
  uint64_t size() const override { return entries_.size(); }
  std::string_view name() const override { return "wtinylfu"; }

  bool contains(uint64_t id) const { return entries_.contains(id); }
  /// Current weight budget of the window (moves with the tuning).
  uint64_t window_capacity() const { return window_max_; }
  const frequency_sketch& sketch() const { return sketch_; }

private:
  enum segment : uint8_t { window = 0, probation = 1, protected_ = 2 };
  struct entry {
    std::list<uint64_t>::iterator pos; // position in lists_[seg]
    uint64_t weight;
    segment seg;
  };
  struct cursor; // a position in one segment's list, or none
  struct shadow {
    std::unique_ptr<wtinylfu_policy> policy; // fixed window, adapt off
    double fraction;                         // its window share
    double score;                            // decayed hits of past periods
    uint64_t hits;                           // hits in the current period
  };

  void touch(entry& e);
  void move_to(uint64_t id, entry& e, segment to);
  void evict(uint64_t id, std::vector<uint64_t>& evicted);
  void forget(uint64_t id);
  void evict_entries(std::vector<uint64_t>& evicted);
  bool admit(uint64_t candidate, uint64_t victim);
  void set_window(double fraction);
  void rebalance();
  void demote_from_protected();
  void start_shadows();
  void simulate_shadows(uint64_t id, uint64_t weight);
  void retune();

  wtinylfu_options opts_;
  uint64_t capacity_;
  uint64_t weight_ = 0;
  uint64_t window_max_ = 0;     // weight budget of the window
  uint64_t protected_max_ = 0;  // weight budget of the protected segment
  std::list<uint64_t> lists_[3];     // per segment, front: least recently used
  uint64_t seg_weight_[3] = {0, 0, 0};
  absl::flat_hash_map<uint64_t, entry> entries_;
  frequency_sketch sketch_;
  std::optional<uint64_t> last_miss_; // dedupes on_miss + on_insert of one access
  uint64_t rng_;                      // xorshift64 state for the admission jitter
  bool balanced_ = true;               // segments within their budgets (else rebalance)
  // window tuning
  std::vector<shadow> shadows_;
  size_t current_shadow_ = 0;          // the shadow whose split the window follows
  uint64_t shadow_mask_ = 0;           // shadows see ids with mix64(id ^ salt) & mask == 0
  uint64_t shadow_period_ = 0;         // sampled accesses between two retunes
  uint64_t shadow_accesses_ = 0;       // sampled accesses since the last retune
  std::vector<uint64_t> scratch_;      // shadows' evictions, discarded
};

} // namespace ac
