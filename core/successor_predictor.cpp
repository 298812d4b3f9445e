// successor_predictor: per-predecessor successor slots in a set-associative table, aged by halving.
#include "core/successor_predictor.hpp"

#include "core/frequency_sketch.hpp" // mix64, ceil_pow2

#include <algorithm>

namespace ac {

successor_predictor::successor_predictor(successor_options opts) {
  uint64_t sets = ceil_pow2(std::max<uint64_t>(1, (opts.tracked_keys + ways - 1) / ways));
  rows_.resize(sets * ways);
  set_mask_ = sets - 1;
  // Long enough that a pattern repeating every few thousand reads builds counts of several
  // before a halving; short enough that a stopped pattern is gone after a few periods.
  aging_period_ = opts.aging_period != 0 ? opts.aging_period : 8 * rows_.size();
  window_ = std::max<uint32_t>(opts.window, 1);
  recent_.reserve(window_);
}

successor_predictor::row* successor_predictor::find(uint64_t key) {
  row* set = &rows_[(mix64(key) & set_mask_) * ways];
  for (size_t w = 0; w < ways; ++w)
    if (set[w].seen != 0 && set[w].key == key)
      return &set[w];
  return nullptr;
}

const successor_predictor::row* successor_predictor::find(uint64_t key) const {
  return const_cast<successor_predictor*>(this)->find(key);
}

/// The row of a predecessor not tracked yet: an empty way, else the way seen least. The
/// victim is the revolving door of its set, so one-off predecessors churn it while rows that
/// keep being seen stay (until aging brings them down).
successor_predictor::row& successor_predictor::claim(uint64_t key) {
  row* set = &rows_[(mix64(key) & set_mask_) * ways];
  row* victim = &set[0];
  for (size_t w = 0; w < ways; ++w) {
    if (set[w].seen == 0) {
      victim = &set[w];
      break;
    }
    if (set[w].seen < victim->seen)
      victim = &set[w];
  }
  *victim = row{};
  victim->key = key;
  return *victim;
}

void successor_predictor::halve(row& r) {
  r.seen >>= 1;
  for (auto& c : r.count)
    c >>= 1;
}

void successor_predictor::age() {
  for (auto& r : rows_)
    if (r.seen != 0)
      halve(r);
  observations_ = 0;
  ++agings_;
}

/// One more occurrence of `key`: its row (claimed when untracked), its seen count raised.
successor_predictor::row& successor_predictor::note_occurrence(uint64_t key) {
  if (++observations_ >= aging_period_)
    age();
  row* r = find(key);
  if (r == nullptr)
    r = &claim(key);
  // Keep count <= seen < 256: halving the row keeps its confidences.
  if (r->seen == 255)
    halve(*r);
  ++r->seen;
  return *r;
}

/// `next` followed an occurrence of r's key.
void successor_predictor::note_follow(row& r, uint64_t next) {
  size_t weakest = 0, free_slot = successor_slots;
  for (size_t s = 0; s < successor_slots; ++s) {
    if (r.count[s] != 0 && r.next[s] == next) {
      // At most once per occurrence in effect: a confidence never passes 1.
      if (r.count[s] < r.seen)
        ++r.count[s];
      return;
    }
    if (r.count[s] == 0) {
      if (free_slot == successor_slots)
        free_slot = s;
    } else if (r.count[weakest] == 0 || r.count[s] < r.count[weakest]) {
      weakest = s;
    }
  }
  if (free_slot != successor_slots) {
    r.next[free_slot] = next;
    r.count[free_slot] = 1;
    return;
  }
  // No room: the newcomer wears the weakest successor down instead of replacing it.
  --r.count[weakest];
}

void successor_predictor::observe(uint64_t prev, uint64_t next) {
  if (prev == next)
    return;
  note_follow(note_occurrence(prev), next);
}

void successor_predictor::record(uint64_t key) {
  for (uint64_t p : recent_)
    if (p != key)
      if (row* r = find(p))
        note_follow(*r, key);
  note_occurrence(key);
  // The window keeps distinct keys: a key read again moves to the newest place.
  for (size_t i = 0; i < recent_.size(); ++i)
    if (recent_[i] == key) {
      recent_.erase(recent_.begin() + static_cast<std::ptrdiff_t>(i));
      break;
    }
  if (recent_.size() >= window_)
    recent_.erase(recent_.begin());
  recent_.push_back(key);
}

void successor_predictor::predict(uint64_t key, size_t k, double min_confidence,
                                  std::vector<prediction>& out, uint32_t min_count) const {
  out.clear();
  const row* r = find(key);
  if (r == nullptr || k == 0)
    return;
  for (size_t s = 0; s < successor_slots; ++s) {
    uint32_t c = r->count[s];
    if (c == 0 || c < min_count || r->next[s] == key)
      continue;
    double confidence = static_cast<double>(c) / r->seen;
    if (confidence >= min_confidence)
      out.push_back({r->next[s], c, confidence});
  }
  std::sort(out.begin(), out.end(), [](const prediction& a, const prediction& b) {
    return a.count != b.count ? a.count > b.count : a.key < b.key;
  });
  if (out.size() > k)
    out.resize(k);
}

std::vector<prediction> successor_predictor::predict(uint64_t key, size_t k, double min_confidence,
                                                     uint32_t min_count) const {
  std::vector<prediction> out;
  predict(key, k, min_confidence, out, min_count);
  return out;
}

size_t successor_predictor::tracked() const {
  return static_cast<size_t>(
    std::count_if(rows_.begin(), rows_.end(), [](const row& r) { return r.seen != 0; }));
}

} // namespace ac
