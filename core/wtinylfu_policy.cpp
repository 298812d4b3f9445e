// W-TinyLFU: window LRU + segmented main LRU, sketch admission, window sized by shadow caches.
// Eviction is ported from Caffeine's BoundedLocalCache (evictFromWindow/evictFromMain); the
// window tuning follows its simulator's mini-simulation climber.
#include "core/wtinylfu_policy.hpp"

#include "core/keyed_policy.hpp"

#include <algorithm>
#include <cmath>

namespace ac {
namespace {

// Window fractions the shadow caches try: dense near 0 (frequency-heavy workloads) and up to
// 1.0, which is plain LRU, so a recency-heavy workload can find LRU's hit rate. No 0: it is
// within noise of 0.01 and flipping between the two on periodic traces (loop) cost 3 points.
constexpr double shadow_fractions[] = {0.01, 0.03, 0.1, 0.2, 0.35, 0.5, 0.7, 0.9, 1.0};
constexpr double period_factor = 0.5;        // retune every 0.5 x shadow entries sampled accesses
constexpr double score_decay = 0.98;         // weight of past periods in a shadow's score
constexpr double switch_margin = 0.01;       // another split must score 1% better to move
constexpr uint64_t shadow_entries = 1024;    // shadows sample keys down to about this many entries
constexpr uint64_t shadow_salt = 0x51ad0;   // decorrelates shadow sampling from sketch hashing
constexpr int transfer_limit = 1000;         // entries moved per call when resizing, bounds the pause
constexpr uint64_t derived_sketch_cap = 1 << 16; // sketch size when derived from a byte capacity

} // namespace

wtinylfu_policy::wtinylfu_policy(uint64_t capacity, policy_nodes& nodes, wtinylfu_options opts)
  : eviction_policy(nodes), opts_(opts), capacity_(capacity),
    sketch_(opts.expected_entries ? opts.expected_entries
                                  : std::min<uint64_t>(capacity, derived_sketch_cap),
            opts.seed) {
  set_window(opts_.window_fraction);
  start_shadows();
}

wtinylfu_policy::~wtinylfu_policy() = default;

void wtinylfu_policy::set_window(double fraction) {
  window_max_ = std::min<uint64_t>(capacity_, std::llround(capacity_ * fraction));
  protected_max_ = static_cast<uint64_t>(opts_.protected_fraction * (capacity_ - window_max_));
  balanced_ = false;
}

// -- access bookkeeping -------------------------------------------------------

void wtinylfu_policy::on_miss(uint64_t hash) {
  sketch_.increment(hash);
  last_miss_ = hash;
}

void wtinylfu_policy::on_hit(uint32_t h, uint64_t hash) {
  sketch_.increment(hash);
  touch(h);
  simulate_shadows(hash, nodes().weight(h));
  if (!balanced_)
    rebalance();
}

// Moves a re-used entry to the most recent end of its segment; probation entries earn protection.
void wtinylfu_policy::touch(uint32_t h) {
  segment s = seg(h);
  if (s == probation && nodes().weight(h) <= protected_max_) {
    move_to(h, protected_);
    demote_from_protected();
  } else {
    lists_[s].move_to_back(nodes(), h);
  }
}

void wtinylfu_policy::move_to(uint32_t h, segment to) {
  segment from = seg(h);
  uint64_t w = nodes().weight(h);
  seg_weight_[from] -= w;
  seg_weight_[to] += w;
  lists_[from].remove(nodes(), h);
  lists_[to].push_back(nodes(), h);
  nodes().set_tag(h, to);
}

void wtinylfu_policy::on_insert(uint32_t h, uint64_t hash, std::vector<uint32_t>& evicted) {
  if (last_miss_ != hash)
    sketch_.increment(hash);
  last_miss_.reset();
  uint64_t w = nodes().weight(h);
  if (w > capacity_) { // could never fit: refuse without disturbing residents
    evicted.push_back(h);
    return;
  }
  if (opts_.expected_entries == 0 && size() >= sketch_.expected_entries() &&
      sketch_.expected_entries() < (uint64_t{1} << 26))
    sketch_ = frequency_sketch(sketch_.expected_entries() * 2, opts_.seed); // more keys than guessed
  nodes().set_tag(h, window);
  lists_[window].push_back(nodes(), h);
  seg_weight_[window] += w;
  weight_ += w;
  simulate_shadows(hash, w);
  if (!balanced_)
    rebalance();
  evict_entries(evicted);
}

void wtinylfu_policy::on_update(uint32_t h, uint64_t hash, uint64_t old_weight,
                                std::vector<uint32_t>& evicted) {
  uint64_t w = nodes().weight(h);
  segment s = seg(h);
  weight_ = weight_ - old_weight + w;
  seg_weight_[s] = seg_weight_[s] - old_weight + w;
  if (w > capacity_) {
    evict(h, evicted);
    return;
  }
  sketch_.increment(hash);
  simulate_shadows(hash, w);
  touch(h);
  evict_entries(evicted);
}

void wtinylfu_policy::on_remove(uint32_t h) { forget(h); }

void wtinylfu_policy::on_relocate(uint32_t from, uint32_t to) {
  lists_[seg(to)].relocate(nodes(), from, to);
}

void wtinylfu_policy::set_capacity(uint64_t capacity, std::vector<uint32_t>& evicted) {
  // Keep the tuned split as a fraction of the new capacity; shadows scale with it.
  double fraction = capacity_ ? static_cast<double>(window_max_) / capacity_ : opts_.window_fraction;
  capacity_ = capacity;
  set_window(fraction);
  for (auto& s : shadows_)
    s.policy->set_capacity(std::max<uint64_t>(1, capacity / (shadow_mask_ + 1)), scratch_);
  scratch_.clear();
  rebalance();
  evict_entries(evicted);
}

uint32_t wtinylfu_policy::evict_one() {
  for (segment s : {probation, window, protected_}) {
    if (!lists_[s].empty()) {
      uint32_t h = lists_[s].front();
      forget(h);
      return h;
    }
  }
  return null_handle;
}

void wtinylfu_policy::evict(uint32_t h, std::vector<uint32_t>& evicted) {
  forget(h);
  evicted.push_back(h);
}

void wtinylfu_policy::forget(uint32_t h) {
  segment s = seg(h);
  uint64_t w = nodes().weight(h);
  weight_ -= w;
  seg_weight_[s] -= w;
  lists_[s].remove(nodes(), h);
}

// -- eviction -----------------------------------------------------------------

void wtinylfu_policy::evict_entries(std::vector<uint32_t>& evicted) {
  // Window overflow moves to probation's recent end; the first mover is the first candidate.
  uint32_t cand = null_handle;
  while (seg_weight_[window] > window_max_ && !lists_[window].empty()) {
    uint32_t h = lists_[window].front();
    move_to(h, probation);
    if (cand == null_handle)
      cand = h;
  }
  // Duel candidates (from the recent end) against victims (from probation's old end) until
  // the weight fits; fall back to other segments when one side runs out. A cursor is a
  // handle walking toward its list's recent end; null_handle once it ran past it.
  segment cand_seg = probation, victim_seg = probation;
  uint32_t victim = lists_[probation].front();
  auto next = [&](uint32_t h) { return intrusive_list::next(nodes(), h); };
  auto drop = [&](uint32_t& cursor) {
    uint32_t h = cursor;
    cursor = next(h);
    evict(h, evicted);
  };
  while (weight_ > capacity_) {
    if (cand == null_handle && cand_seg == probation) {
      cand = lists_[window].front();
      cand_seg = window;
    }
    if (cand == null_handle && victim == null_handle) {
      if (victim_seg == probation) {
        victim = lists_[protected_].front();
        victim_seg = protected_;
        continue;
      }
      if (victim_seg == protected_) {
        victim = lists_[window].front();
        victim_seg = window;
        continue;
      }
      break;
    }
    if (victim == null_handle) {
      drop(cand);
    } else if (cand == null_handle) {
      drop(victim);
    } else if (cand == victim) {
      victim = next(victim);
      uint32_t h = cand;
      cand = null_handle;
      evict(h, evicted);
    } else if (nodes().weight(cand) > capacity_) {
      drop(cand);
    } else if (admit(cand, victim)) {
      cand = next(cand);
      drop(victim);
    } else {
      drop(cand);
    }
  }
}

// Ties go to the victim: on a scan or loop every key looks alike, and keeping the residents
// is what holds a stable set. (Caffeine also admits 1/128 of warm losers at random against
// hash flooding; here the sketch's secret seed does that job, and the random admissions cost
// loop@512 about 3 points.)
bool wtinylfu_policy::admit(uint32_t candidate, uint32_t victim) {
  return sketch_.frequency(nodes().hash(candidate)) > sketch_.frequency(nodes().hash(victim));
}

// -- window tuning -------------------------------------------------------------

// Moves window/main budgets toward the tuned split, at most transfer_limit entries a call so
// a big resize never stalls one access.
void wtinylfu_policy::rebalance() {
  demote_from_protected();
  for (int i = 0; i < transfer_limit && seg_weight_[window] < window_max_; ++i) {
    segment from = lists_[probation].empty() ? protected_ : probation;
    if (lists_[from].empty())
      break;
    uint32_t h = lists_[from].front();
    if (seg_weight_[window] + nodes().weight(h) > window_max_)
      break;
    move_to(h, window);
  }
  for (int i = 0; i < transfer_limit && seg_weight_[window] > window_max_; ++i)
    move_to(lists_[window].front(), probation);
  balanced_ = seg_weight_[window] <= window_max_ && seg_weight_[protected_] <= protected_max_;
}

void wtinylfu_policy::demote_from_protected() {
  for (int i = 0; i < transfer_limit && seg_weight_[protected_] > protected_max_; ++i)
    move_to(lists_[protected_].front(), probation);
}

void wtinylfu_policy::start_shadows() {
  if (!opts_.adapt)
    return;
  // Sample ~shadow_entries keys' worth of the key space so shadows stay small for big caches.
  uint64_t entries = sketch_.expected_entries();
  shadow_mask_ = 0;
  while ((entries >> 1) >= shadow_entries && shadow_mask_ < (uint64_t{1} << 20)) {
    entries >>= 1;
    shadow_mask_ = (shadow_mask_ << 1) | 1;
  }
  uint64_t shadow_capacity = std::max<uint64_t>(1, capacity_ / (shadow_mask_ + 1));
  shadow_period_ = period_factor * entries;
  shadows_.clear();
  current_shadow_ = 0;
  for (double f : shadow_fractions) {
    if (f <= opts_.window_fraction)
      current_shadow_ = shadows_.size(); // the shadow nearest the initial split
    wtinylfu_options o = opts_;
    o.window_fraction = f;
    o.adapt = false;
    o.expected_entries = entries;
    auto policy = std::make_unique<keyed_adapter>([&](policy_nodes& nodes) {
      return std::make_unique<wtinylfu_policy>(shadow_capacity, nodes, o);
    });
    shadows_.push_back({std::move(policy), f, 0.0, 0});
  }
}

void wtinylfu_policy::simulate_shadows(uint64_t id, uint64_t weight) {
  if (shadows_.empty() || (mix64(id ^ shadow_salt) & shadow_mask_) != 0)
    return;
  for (auto& s : shadows_) {
    if (s.policy->contains(id)) {
      s.policy->on_hit(id);
      ++s.hits;
    } else {
      s.policy->on_insert(id, weight, scratch_);
      scratch_.clear();
    }
  }
  if (++shadow_accesses_ >= shadow_period_)
    retune();
}

// Picks the window fraction whose shadow scored best recently (decayed sum of hits, so an
// old phase fades). Moving costs hits while the segments refill, so the current split is
// kept unless another one beats it by a margin.
void wtinylfu_policy::retune() {
  shadow_accesses_ = 0;
  shadow* best = &shadows_[current_shadow_];
  for (auto& s : shadows_)
    s.score = s.score * score_decay + static_cast<double>(s.hits);
  double bar = best->score * (1 + switch_margin);
  for (auto& s : shadows_) {
    s.hits = 0;
    if (s.score > bar && s.score > best->score)
      best = &s;
  }
  if (best == &shadows_[current_shadow_])
    return;
  current_shadow_ = static_cast<size_t>(best - shadows_.data());
  set_window(best->fraction);
  rebalance();
}

} // namespace ac
