// Lent keys: the keys an owner answered as hot lately, whose near copies peers may still hold.
#pragma once

#include <cstddef>
#include <string>

#include <absl/container/flat_hash_map.h>

#include "core/near_copies.hpp"

namespace ac {

/// The owner's side of near copies (core/near_copies is the peers' side): a key answered as
/// hot is lent until the copies peers took of it expire, and a put or delete of a lent key
/// must tell the peers at once, or they serve the old value until then. Bounded: when full of
/// live loans, a new one is not remembered (the caller counts it; the peer's copy then lives
/// its short TTL out). Time is passed in: the monotonic clock, as the peers' copies expire on
/// it. Not thread-safe: its owner locks.
class lent_keys {
public:
  using time_point = near_copies::time_point; ///< the clock the peers' copies expire on

  explicit lent_keys(size_t max_keys = 4096) : max_(max_keys) {}

  /// Lends `key` until `until` (a later loan of it extends it). False when it could not be
  /// remembered: full of loans still live at `now`, after dropping the ended ones.
  bool lend(const std::string& key, time_point until, time_point now) {
    if (loans_.size() >= max_ && !loans_.contains(key)) {
      absl::erase_if(loans_, [now](const auto& kv) { return kv.second <= now; });
      if (loans_.size() >= max_)
        return false;
    }
    loans_[key] = until;
    return true;
  }

  /// Whether peers may hold a copy of `key` at `now`.
  bool is_lent(const std::string& key, time_point now) const {
    if (loans_.empty())
      return false;
    auto it = loans_.find(key);
    return it != loans_.end() && it->second > now;
  }

  /// `key` was written or went away: lent no more. True when the loan was still live at `now`
  /// (the writer tells the peers).
  bool take(const std::string& key, time_point now) {
    bool live = is_lent(key, now);
    if (!loans_.empty())
      loans_.erase(key);
    return live;
  }

  void clear() { loans_.clear(); }
  /// Loans held, ended ones not yet dropped included.
  size_t size() const { return loans_.size(); }
  bool empty() const { return loans_.empty(); }

private:
  size_t max_;
  absl::flat_hash_map<std::string, time_point> loans_;
};

} // namespace ac
