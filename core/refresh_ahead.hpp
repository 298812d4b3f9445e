// Refresh-ahead bookkeeping of one shard: which hits of hot keys start a background refresh before the key expires.
//
// Why: a hot key that expires makes every reader in the next compute's window wait for it (or
// miss); refreshing it once, in the background, when a hit finds it past `fraction` of its TTL
// keeps it in L1 for as long as it stays hot (cache.refresh-ahead, issue #18).
//
// Usage (the owner holds its lock): on a fresh hit, `if (r.may_be_due(left, f) && r.start(key,
// left, is_hot(key), f, now)) <send the refresh>`; on every fill or put of a key, `filled(key,
// ttl, hot)` (a new lifetime: the key may be refreshed once more); on an erase, `forget(key)`.
//
// What it remembers is bounded: the TTL granted at a key's last fill only for hot keys (at most
// `capacity`; unknown keys fall back to default_ttl), and one mark per refresh in flight (at most
// `capacity`), each ending with the lifetime it belongs to, so a failed refresh is not retried
// by every following hit and a mark never outlives its entry. Not thread-safe.
#pragma once

#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <absl/container/flat_hash_map.h>

namespace ac {

struct refresh_ahead_options {
  std::chrono::milliseconds default_ttl{
    300000};             ///< granted TTL of a key whose fill was not seen (cache.default-ttl)
  size_t capacity = 256; ///< granted TTLs remembered, and refreshes in flight, each
};

class refresh_ahead {
public:
  using time_point = std::chrono::steady_clock::time_point;

  explicit refresh_ahead(refresh_ahead_options opts = {});

  /// The cheap first test of every hit (arithmetic only, no lookup): false when no key with
  /// `ttl_left_ms` left can be due at `fraction`. ttl_left_ms 0 means "never expires".
  bool may_be_due(int64_t ttl_left_ms, double fraction) const {
    return fraction > 0 && ttl_left_ms > 0 && ttl_left_ms <= due_within(max_granted_ms_, fraction);
  }

  /// The TTL left (ms) at which a key granted `granted_ms` becomes due: (1 - fraction) of it,
  /// rounded to the millisecond (0.2 * 300000 is 59999.99... in floating point).
  static int64_t due_within(int64_t granted_ms, double fraction) {
    return std::llround((1 - fraction) * static_cast<double>(granted_ms));
  }

  /// The decision: true when `key` (hot) has at most (1 - fraction) of its granted TTL left and
  /// no refresh of this lifetime started yet; it is then marked in flight until `now +
  /// ttl_left_ms` (the end of this lifetime) or the next filled(). fraction 0 = off.
  bool start(std::string_view key, int64_t ttl_left_ms, bool hot, double fraction, time_point now);

  /// A new value of `key` entered L1 with `ttl` (0 = default_ttl): its refresh (if any) ended,
  /// and while the key is hot its granted TTL is remembered for the next decision.
  void filled(std::string_view key, std::chrono::milliseconds ttl, bool hot);

  /// The key left L1 (erased): nothing about it is kept.
  void forget(std::string_view key);

  /// Forgets everything (a restarted shard); the options stay.
  void clear();

  /// The TTL the decision assumes for `key`: the one granted at its last fill when known, else default_ttl.
  std::chrono::milliseconds granted(std::string_view key) const;

  size_t in_flight() const { return in_flight_.size(); }
  size_t remembered() const { return granted_ms_.size(); }
  /// Refreshes not started because `capacity` marks were live at once.
  uint64_t refused() const { return refused_; }

private:
  refresh_ahead_options opts_;
  absl::flat_hash_map<std::string, int64_t> granted_ms_;   ///< hot keys: TTL at their last fill
  absl::flat_hash_map<std::string, time_point> in_flight_; ///< key -> end of the lifetime refreshed
  /// At least every TTL in granted_ms_ and default_ttl (only grows until clear()), so
  /// may_be_due never says no to a key that start() would refresh.
  int64_t max_granted_ms_;
  uint64_t refused_ = 0;
};

} // namespace ac
