// Single flight per key: one load in flight per key, every caller of that key shares its outcome; failures are remembered briefly (negative cache) and a finished value is held until L1 has it.
//
// The coalescer actor (actors/coalescer) owns the I/O of a flight (L2, the hand-off ask, the
// compute) and the delivery of its outcome; this unit owns every decision about who waits for
// what, so each transition is unit-tested without an actor system. groupcache's singleflight is
// the model; the two additions are what a shared cache needs beyond it:
// - the negative cache: a storm on a key whose load fails must not run the load per caller;
// - settling: after a flight ends, its value is on its way into L1 (a message to the shard). A
//   load the shard passed on before the value reached it arrives after the flight is gone; it
//   gets the settling value instead of starting a second flight (which would miss in L2 too
//   while the value's write is on its way, and compute again).
//
// `Waiter` is how a caller is answered (a response promise in the actor, anything in tests),
// `Value` a found value, `Error` a failure.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <absl/container/flat_hash_map.h>

namespace ac {

template <class Waiter, class Value, class Error>
class single_flight {
public:
  using clock = std::chrono::steady_clock;

  /// One load in progress and everybody waiting for it.
  struct flight {
    bool asking = false; ///< waiting for the key's previous owner (hand-off), not loading yet
    std::vector<Waiter> waiters; ///< callers that want the outcome
    /// Warm requests (loads ahead of demand): answered with the outcome too, apart from waiters
    /// so they count in no latency; a flight only warms started reads L2 and never computes.
    std::vector<Waiter> warmers;
    std::vector<clock::time_point> joined; ///< per waiter, when it joined (latency)
  };

  struct counters {
    uint64_t coalesced = 0;     ///< callers that joined a flight under way
    uint64_t negative_hits = 0; ///< loads answered from a recent failure
    uint64_t settled = 0;       ///< loads answered from a settling value
    uint64_t max_waiters = 0;   ///< most waiters one flight had
  };

  /// `negative_ttl` 0: failures are not remembered. At most `max_negative` are.
  explicit single_flight(std::chrono::milliseconds negative_ttl = std::chrono::milliseconds{0},
                         size_t max_negative = 10000)
    : negative_ttl_(negative_ttl), max_negative_(max_negative) {}

  // -- events ---------------------------------------------------------------------------------

  /// A load of `key` asks, in this order: a recent failure to answer with, or null (an ended
  /// one is forgotten here; a found one counts as a negative hit) ...
  const Error* recent_failure(const std::string& key, clock::time_point now) {
    auto f = failures_.find(key);
    if (f == failures_.end())
      return nullptr;
    if (now < f->second.until) {
      ++counters_.negative_hits;
      return &f->second.error;
    }
    failures_.erase(f);
    return nullptr;
  }

  /// ... then, when no flight of `key` runs, its value on the way into L1, or null (a found one
  /// counts as settled) ...
  const Value* settling_value(const std::string& key) {
    if (flights_.contains(key))
      return nullptr;
    auto s = settling_.find(key);
    if (s == settling_.end())
      return nullptr;
    ++counters_.settled;
    return &s->second.value;
  }

  /// ... then `w` waits for the key's flight, starting one when none runs: true when it started
  /// one (the caller runs the load). A refresh joins without asking the first two.
  bool join(const std::string& key, Waiter w, clock::time_point now) {
    auto [it, fresh] = flights_.try_emplace(key);
    it->second.waiters.push_back(std::move(w));
    it->second.joined.push_back(now);
    counters_.max_waiters = std::max<uint64_t>(counters_.max_waiters, it->second.waiters.size());
    if (!fresh)
      ++counters_.coalesced;
    return fresh;
  }

  /// A warm of `key` (a guess, never in the way of real work): starts a warm-only flight and
  /// keeps `w`, or false when a flight runs, a value settles or the key failed lately.
  bool warm(const std::string& key, Waiter w, clock::time_point now) {
    if (flights_.contains(key) || settling_.contains(key))
      return false;
    if (auto f = failures_.find(key); f != failures_.end() && now < f->second.until)
      return false;
    flights_[key].warmers.push_back(std::move(w));
    return true;
  }

  /// True when only warms wait for the key's flight: an L2 miss ends it (warming never computes).
  bool warm_only(const std::string& key) const {
    auto i = flights_.find(key);
    return i != flights_.end() && i->second.waiters.empty() && !i->second.warmers.empty();
  }

  bool in_flight(const std::string& key) const { return flights_.contains(key); }

  /// True when the key's flight asks its previous owner (hand-off) rather than loading.
  bool asking(const std::string& key) const {
    auto i = flights_.find(key);
    return i != flights_.end() && i->second.asking;
  }

  /// Marks the key's flight as asking its previous owner (true) or loading (false).
  void set_asking(const std::string& key, bool asking) {
    if (auto i = flights_.find(key); i != flights_.end())
      i->second.asking = asking;
  }

  /// Ends the key's flight: its waiters, for the caller to answer; none when no flight ran.
  std::optional<flight> finish(const std::string& key) {
    auto i = flights_.find(key);
    if (i == flights_.end())
      return std::nullopt;
    auto f = std::move(i->second);
    flights_.erase(i);
    return f;
  }

  /// The key's load failed: remembered for the negative TTL (the oldest-named goes when full).
  void remember_failure(const std::string& key, Error error, clock::time_point now) {
    if (negative_ttl_.count() <= 0)
      return;
    if (failures_.size() >= max_negative_ && !failures_.contains(key))
      failures_.erase(failures_.begin());
    failures_[key] = failed{std::move(error), now + negative_ttl_};
  }

  /// A value of `key` was sent towards L1: held until fill_done() was called as often.
  void settle(const std::string& key, Value value) {
    auto& s = settling_[key];
    s.value = std::move(value);
    ++s.fills;
  }

  /// L1 answered one fill of `key` (or the fill failed): the value goes with the last one.
  void fill_done(const std::string& key) {
    if (auto i = settling_.find(key); i != settling_.end() && --i->second.fills == 0)
      settling_.erase(i);
  }

  /// Every flight, taken out (the actor ends: each waiter gets an error).
  std::vector<flight> take_all() {
    std::vector<flight> out;
    for (auto& kv : flights_)
      out.push_back(std::move(kv.second));
    flights_.clear();
    return out;
  }

  // -- what it holds --------------------------------------------------------------------------

  size_t flights() const { return flights_.size(); }
  size_t settling() const { return settling_.size(); }
  size_t waiting() const {
    size_t n = 0;
    for (auto& kv : flights_)
      n += kv.second.waiters.size();
    return n;
  }
  const counters& stats() const { return counters_; }

private:
  struct failed {
    Error error;
    clock::time_point until;
  };
  struct settling_entry {
    Value value;
    uint32_t fills = 0; ///< fills not answered yet
  };

  std::chrono::milliseconds negative_ttl_;
  size_t max_negative_;
  absl::flat_hash_map<std::string, flight> flights_;
  absl::flat_hash_map<std::string, failed> failures_;
  absl::flat_hash_map<std::string, settling_entry> settling_;
  counters counters_;
};

} // namespace ac
