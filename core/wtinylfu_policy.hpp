// W-TinyLFU eviction (Caffeine's design): a small LRU window in front of a segmented LRU,
// with frequency-based admission and shadow caches that size the window to the workload.
#pragma once

#include "core/eviction_policy.hpp"
#include "core/frequency_sketch.hpp"
#include "core/intrusive_list.hpp"

#include <optional>

namespace ac {

class keyed_adapter;

struct wtinylfu_options {
  double window_fraction = 0.01; ///< initial share of the capacity for the LRU window (1: LRU)
  double protected_fraction =
    0.80;            ///< share of the main space (capacity - window) kept for re-used keys
  bool adapt = true; ///< tune the window size with shadow caches (off: fixed window_fraction)
  uint64_t expected_entries =
    0; ///< sketch sizing; 0: min(capacity, 65536), grown with the resident count
  uint64_t seed =
    0x5eed; ///< the sketch's hash seed: fixed for reproducible runs, secret in a store
  /// Read frequencies from this sketch and count nothing (a shadow reads its owner's, which
  /// counts every access the shadow sees and more); null: keep one's own.
  const frequency_sketch* counts = nullptr;
};

/// New keys enter the window (LRU). Keys pushed out of the window become candidates for the
/// main space and are admitted only if the sketch says they are used more often than the
/// main space's victim (the probation segment's LRU key) by more than one access; else the
/// victim stays. Main keys
/// hit while in probation move to the protected segment.
///
/// Window size: shadow copies of this policy, each with a fixed window fraction from 0.01 to 1
/// (pure LRU), replay a hash-sampled part of the key stream (all of it for caches up to ~2k
/// entries; they track only ids and read the owner's sketch). For every pair of shadows the
/// policy counts, with decay, the sampled accesses one hit and the other missed. The window
/// moves to a shadow's split when its lead over the current one is beyond noise (a sign test
/// on those accesses) and pays for the entries the move shifts. This replaces Caffeine's
/// production hill climber, whose noisy per-sample hit rates could not find the ~90% window
/// recency-heavy traces (sprite) need.
///
/// Start: the window starts at 1% (Caffeine's), because frequency-heavy workloads reward
/// admission from the first eviction on, and a recency-heavy one shows itself within about a
/// cache turnover of the first fill, when the shadows begin to disagree.
///
/// Frequency is counted once per access: on_hit, on_miss, and on_insert unless that insert
/// directly follows on_miss for the same hash (the store's miss-then-load path).
/// Per entry it keeps only the hook links and the segment in the tag bits; the sketch costs
/// about 8 bytes per expected entry (frequency_sketch).
class wtinylfu_policy final : public eviction_policy {
public:
  wtinylfu_policy(uint64_t capacity, policy_nodes& nodes, wtinylfu_options opts = {});
  ~wtinylfu_policy() override;

  void on_hit(uint32_t h, uint64_t hash) override;
  void on_insert(uint32_t h, uint64_t hash, std::vector<uint32_t>& evicted) override;
  void on_update(uint32_t h, uint64_t hash, uint64_t old_weight,
                 std::vector<uint32_t>& evicted) override;
  void on_remove(uint32_t h) override;
  void on_miss(uint64_t hash) override;
  void prefetch(uint64_t hash) const override { counts().prefetch(hash); }
  uint32_t frequency(uint64_t hash) const override { return counts().frequency(hash); }
  void on_relocate(uint32_t from, uint32_t to) override;
  void set_capacity(uint64_t capacity, std::vector<uint32_t>& evicted) override;
  void set_entry_limit(uint64_t limit, std::vector<uint32_t>& evicted) override;
  uint32_t evict_one() override;

  uint64_t capacity() const override { return capacity_; }
  uint64_t weight() const override { return weight_; }
  uint64_t size() const override {
    return lists_[window].size() + lists_[probation].size() + lists_[protected_].size();
  }
  std::string_view name() const override { return "wtinylfu"; }

  /// Current weight budget of the window (moves with the tuning).
  uint64_t window_capacity() const { return window_max_; }
  const frequency_sketch& sketch() const { return counts(); }
  /// The window's least recently used entry (null_handle when empty); tests walk the window
  /// from it.
  uint32_t window_front() const { return lists_[window].front(); }
  /// Moves the split to `fraction` by hand, as the tuning does when a shadow leads (tests).
  void resize_window(double fraction) {
    set_window(fraction);
    rebalance();
  }

private:
  enum segment : uint8_t { window = 0, probation = 1, protected_ = 2 };
  struct shadow {
    std::unique_ptr<keyed_adapter> policy; // a wtinylfu_policy with a fixed window, adapt off
    double fraction;                       // its window share
  };

  const frequency_sketch& counts() const { return opts_.counts ? *opts_.counts : sketch_; }
  void count(uint64_t hash);
  segment seg(uint32_t h) { return static_cast<segment>(nodes().tag(h)); }
  // Budgets hold in weight and in entries; the whole cache too (weight_ vs capacity_, size()
  // vs entry_limit_), so admission decides whichever of the store's bounds binds first.
  bool fits(segment s, uint64_t extra_weight, uint64_t extra_entries) const;
  bool over(segment s) const { return !fits(s, 0, 0); }
  bool full() const { return weight_ > capacity_ || size() > entry_limit_; }
  void touch(uint32_t h);
  // To `to`'s most recent end, or its least recent one.
  void move_to(uint32_t h, segment to, bool least_recent = false);
  void evict(uint32_t h, std::vector<uint32_t>& evicted);
  void forget(uint32_t h);
  void evict_entries(std::vector<uint32_t>& evicted);
  bool admit(uint32_t candidate, uint32_t victim);
  void set_window(double fraction);
  void rebalance();
  void demote_from_protected();
  void start_shadows();
  std::vector<shadow> make_shadows(uint64_t capacity, uint64_t entries) const;
  void simulate_shadows(uint64_t id, uint64_t weight);
  void follow_leader();

  wtinylfu_options opts_;
  uint64_t capacity_;
  uint64_t weight_ = 0;
  uint64_t entry_limit_ = UINT64_MAX;
  double window_fraction_ = 0; // the window's current share of both budgets
  uint64_t window_max_ = 0;    // weight budget of the window
  uint64_t protected_max_ = 0; // weight budget of the protected segment
  uint64_t window_max_entries_ = UINT64_MAX;
  uint64_t protected_max_entries_ = UINT64_MAX;
  intrusive_list lists_[3]; // per segment, front: least recently used
  uint64_t seg_weight_[3] = {0, 0, 0};
  frequency_sketch sketch_;
  std::optional<uint64_t> last_miss_; // dedupes on_miss + on_insert of one access
  bool balanced_ = true;              // segments within their budgets (else rebalance)
  // window tuning
  std::vector<shadow> shadows_;
  size_t current_shadow_ = 0;     // the shadow whose split the window follows
  uint64_t shadow_mask_ = 0;      // shadows see ids with mix64(id ^ salt) & mask == 0
  uint64_t shadow_period_ = 0;    // sampled accesses between two decays of the evidence
  uint64_t shadow_accesses_ = 0;  // sampled accesses since the last decay
  std::vector<float> wins_;       // [i * n + j]: decayed accesses shadow i hit and j missed
  std::vector<uint64_t> scratch_; // shadows' evictions, discarded
};

} // namespace ac
