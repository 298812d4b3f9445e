// W-TinyLFU: window LRU + segmented main LRU, sketch admission, window sized by shadow caches.
// Eviction is ported from Caffeine's BoundedLocalCache (evictFromWindow/evictFromMain); the
// window tuning follows its simulator's mini-simulation climber.
#include "core/wtinylfu_policy.hpp"

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
constexpr uint32_t warm_threshold = 6;       // jitter admits only candidates this warm
constexpr int transfer_limit = 1000;         // entries moved per call when resizing, bounds the pause
constexpr uint64_t derived_sketch_cap = 1 << 16; // sketch size when derived from a byte capacity

} // namespace

// A position in one segment's list; `none()` when it ran past the most recent end.
struct wtinylfu_policy::cursor {
  std::list<uint64_t>* list = nullptr;
  std::list<uint64_t>::iterator it;
  bool none() const { return list == nullptr || it == list->end(); }
  uint64_t id() const { return *it; }
  void advance() { ++it; }
};

wtinylfu_policy::wtinylfu_policy(uint64_t capacity, wtinylfu_options opts)
  : opts_(opts), capacity_(capacity),
    sketch_(opts.expected_entries ? opts.expected_entries
                                  : std::min<uint64_t>(capacity, derived_sketch_cap)),
    rng_(mix64(opts.seed) | 1) {
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

void wtinylfu_policy::on_miss(uint64_t id) {
  sketch_.increment(id);
  last_miss_ = id;
}

void wtinylfu_policy::on_hit(uint64_t id) {
  auto it = entries_.find(id);
  if (it == entries_.end())
    return;
  sketch_.increment(id);
  touch(it->second);
  simulate_shadows(id, it->second.weight);
  if (!balanced_)
    rebalance();
}

// Moves a re-used key to the most recent end of its segment; probation keys earn protection.
void wtinylfu_policy::touch(entry& e) {
  auto& list = lists_[e.seg];
  if (e.seg == probation && e.weight <= protected_max_) {
    move_to(*e.pos, e, protected_);
    demote_from_protected();
  } else {
    list.splice(list.end(), list, e.pos);
  }
}

void wtinylfu_policy::move_to(uint64_t, entry& e, segment to) {
  seg_weight_[e.seg] -= e.weight;
  seg_weight_[to] += e.weight;
  lists_[to].splice(lists_[to].end(), lists_[e.seg], e.pos);
  e.seg = to;
}

void wtinylfu_policy::on_insert(uint64_t id, uint64_t weight, std::vector<uint64_t>& evicted) {
  if (entries_.contains(id)) {
    on_update(id, weight, evicted);
    return;
  }
  if (last_miss_ != id)
    sketch_.increment(id);
  last_miss_.reset();
  if (weight > capacity_) { // could never fit: refuse without disturbing residents
    evicted.push_back(id);
    return;
  }
  if (opts_.expected_entries == 0 && entries_.size() >= sketch_.expected_entries() &&
      sketch_.expected_entries() < (uint64_t{1} << 26))
    sketch_ = frequency_sketch(sketch_.expected_entries() * 2); // weighted: more keys than guessed
  auto& win = lists_[window];
  win.push_back(id);
  entries_.emplace(id, entry{std::prev(win.end()), weight, window});
  seg_weight_[window] += weight;
  weight_ += weight;
  simulate_shadows(id, weight);
  if (!balanced_)
    rebalance();
  evict_entries(evicted);
}

void wtinylfu_policy::on_update(uint64_t id, uint64_t weight, std::vector<uint64_t>& evicted) {
  auto it = entries_.find(id);
  if (it == entries_.end()) {
    on_insert(id, weight, evicted);
    return;
  }
  if (weight > capacity_) {
    evict(id, evicted);
    return;
  }
  sketch_.increment(id);
  simulate_shadows(id, weight);
  entry& e = it->second;
  weight_ = weight_ - e.weight + weight;
  seg_weight_[e.seg] = seg_weight_[e.seg] - e.weight + weight;
  e.weight = weight;
  touch(e);
  evict_entries(evicted);
}

void wtinylfu_policy::on_remove(uint64_t id) { forget(id); }

void wtinylfu_policy::set_capacity(uint64_t capacity, std::vector<uint64_t>& evicted) {
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

std::optional<uint64_t> wtinylfu_policy::evict_one() {
  for (segment s : {probation, window, protected_}) {
    if (!lists_[s].empty()) {
      uint64_t id = lists_[s].front();
      forget(id);
      return id;
    }
  }
  return std::nullopt;
}

void wtinylfu_policy::evict(uint64_t id, std::vector<uint64_t>& evicted) {
  forget(id);
  evicted.push_back(id);
}

void wtinylfu_policy::forget(uint64_t id) {
  auto it = entries_.find(id);
  if (it == entries_.end())
    return;
  entry& e = it->second;
  weight_ -= e.weight;
  seg_weight_[e.seg] -= e.weight;
  lists_[e.seg].erase(e.pos);
  entries_.erase(it);
}

// -- eviction -----------------------------------------------------------------

void wtinylfu_policy::evict_entries(std::vector<uint64_t>& evicted) {
  // Window overflow moves to probation's recent end; the first mover is the first candidate.
  cursor cand{&lists_[probation], lists_[probation].end()};
  while (seg_weight_[window] > window_max_ && !lists_[window].empty()) {
    uint64_t id = lists_[window].front();
    entry& e = entries_.find(id)->second;
    move_to(id, e, probation);
    if (cand.none())
      cand.it = e.pos;
  }
  // Duel candidates (from the recent end) against victims (from probation's old end) until
  // the weight fits; fall back to other segments when one side runs out.
  segment cand_seg = probation, victim_seg = probation;
  cursor victim{&lists_[probation], lists_[probation].begin()};
  auto drop = [&](cursor& c) {
    uint64_t id = c.id();
    c.advance();
    evict(id, evicted);
  };
  while (weight_ > capacity_) {
    if (cand.none() && cand_seg == probation) {
      cand = {&lists_[window], lists_[window].begin()};
      cand_seg = window;
    }
    if (cand.none() && victim.none()) {
      if (victim_seg == probation) {
        victim = {&lists_[protected_], lists_[protected_].begin()};
        victim_seg = protected_;
        continue;
      }
      if (victim_seg == protected_) {
        victim = {&lists_[window], lists_[window].begin()};
        victim_seg = window;
        continue;
      }
      break;
    }
    if (victim.none()) {
      drop(cand);
    } else if (cand.none()) {
      drop(victim);
    } else if (cand.id() == victim.id()) {
      victim.advance();
      uint64_t id = cand.id();
      cand.list = nullptr;
      evict(id, evicted);
    } else if (entries_.find(cand.id())->second.weight > capacity_) {
      drop(cand);
    } else if (admit(cand.id(), victim.id())) {
      cand.advance();
      drop(victim);
    } else {
      drop(cand);
    }
  }
}

bool wtinylfu_policy::admit(uint64_t candidate, uint64_t victim) {
  uint32_t cf = sketch_.frequency(candidate);
  uint32_t vf = sketch_.frequency(victim);
  if (cf > vf)
    return true;
  if (opts_.jitter && cf >= warm_threshold) {
    rng_ ^= rng_ << 13; // xorshift64
    rng_ ^= rng_ >> 7;
    rng_ ^= rng_ << 17;
    return (rng_ & 127) == 0;
  }
  return false;
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
    uint64_t id = lists_[from].front();
    entry& e = entries_.find(id)->second;
    if (seg_weight_[window] + e.weight > window_max_)
      break;
    move_to(id, e, window);
  }
  for (int i = 0; i < transfer_limit && seg_weight_[window] > window_max_; ++i) {
    uint64_t id = lists_[window].front();
    move_to(id, entries_.find(id)->second, probation);
  }
  balanced_ = seg_weight_[window] <= window_max_ && seg_weight_[protected_] <= protected_max_;
}

void wtinylfu_policy::demote_from_protected() {
  for (int i = 0; i < transfer_limit && seg_weight_[protected_] > protected_max_; ++i) {
    uint64_t id = lists_[protected_].front();
    move_to(id, entries_.find(id)->second, probation);
  }
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
    shadows_.push_back({std::make_unique<wtinylfu_policy>(shadow_capacity, o), f, 0.0, 0});
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
