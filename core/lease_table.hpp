// Leases: single flight for computations that run in the callers (memcache's leases, with waiters answered by push).
//
// The key's owner keeps one table. The first caller of a missing key gets a lease token and
// computes; every later caller of that key waits; the holder fills (every waiter gets the
// value at once), abandons, lets its lease time run out, or goes away, and then the lease
// passes to exactly one waiter. A pure state machine: events in (ask, fill, abandon, expire,
// holder gone), decisions out; the lease actor owns the promises and the clock.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <unordered_map>
#include <vector>

namespace ac {

class lease_table {
public:
  struct limits {
    size_t max_waiters_per_key = 4096; ///< beyond it: overloaded
    size_t max_waiters = 100000;       ///< over all keys
  };

  /// Who asks: `waiter` names this one request (to answer it later), `holder` the connection
  /// that would hold the lease (its going away ends the lease), `lease_ms` how long it may hold.
  struct caller {
    uint64_t waiter = 0;
    uint64_t holder = 0;
    int64_t lease_ms = 0;
  };

  /// A lease given to a waiting caller (on abandon, expiry or a holder gone).
  struct grant {
    std::string key;
    uint64_t waiter = 0;
    std::string token;
  };

  enum class asked { granted, waiting, overloaded };

  /// `token_prefix` makes tokens unique across restarts and nodes (e.g. random hex).
  lease_table(std::string token_prefix, limits lim)
    : prefix_(std::move(token_prefix)), limits_(lim) {}
  explicit lease_table(std::string token_prefix) : lease_table(std::move(token_prefix), limits{}) {}

  /// A caller found the key missing: it gets the lease (token set) or waits for the holder.
  asked ask(const std::string& key, const caller& c, int64_t now_ms, std::string& token);

  /// The holder of `token` stored the value: the lease ends; `waiters` gets every waiting
  /// request to answer with that value. False (nothing changes) for a token that is not the
  /// key's current lease.
  bool fill(const std::string& key, const std::string& token, std::vector<uint64_t>& waiters);

  /// The holder gives up: the lease passes to the next waiter (into `grants`), if any. False
  /// for a token that is not the key's current lease.
  bool abandon(const std::string& key, const std::string& token, int64_t now_ms,
               std::vector<grant>& grants);

  /// Leases whose time ran out by `now_ms` pass on (into `grants`) or end.
  void expire(int64_t now_ms, std::vector<grant>& grants);

  /// A connection closed: the leases it held pass on (into `grants`); its waiting requests
  /// are dropped (into `dropped`: nobody is left to answer).
  void holder_gone(uint64_t holder, int64_t now_ms, std::vector<grant>& grants,
                   std::vector<uint64_t>& dropped);

  /// Drops a waiting request (its caller timed out or left); true when it was waiting.
  bool cancel(const std::string& key, uint64_t waiter);

  /// The earliest lease deadline, or -1 when no lease is held.
  int64_t next_deadline() const;

  size_t leases() const { return keys_.size(); }
  size_t waiting() const { return waiting_; }

  /// True when `token` is the key's current lease.
  bool holds(const std::string& key, const std::string& token) const;

private:
  struct state {
    std::string token;
    uint64_t holder = 0;
    int64_t deadline_ms = 0;
    std::vector<caller> waiters; // in arrival order
  };

  std::string new_token();
  /// The next waiter takes the lease of `it`, or the key's entry goes; fills `grants`.
  void pass_on(std::unordered_map<std::string, state>::iterator it, int64_t now_ms,
               std::vector<grant>& grants);
  void index_deadline(const std::string& key, const state& s);
  void unindex_deadline(const std::string& key, const state& s);

  std::string prefix_;
  limits limits_;
  uint64_t counter_ = 0;
  size_t waiting_ = 0;
  std::unordered_map<std::string, state> keys_;
  std::multimap<int64_t, std::string> deadlines_; // deadline -> key, for expire()
};

} // namespace ac
