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
  /// that would hold the lease (its going away ends the lease), `lease_ms` how long it may hold,
  /// `wait_until_ms` when it stops waiting (0: never; its request has timed out by then, and a
  /// caller nobody answers any more must not be handed a lease).
  struct caller {
    uint64_t waiter = 0;
    uint64_t holder = 0;
    int64_t lease_ms = 0;
    int64_t wait_until_ms = 0;
  };

  /// A lease given to a waiting caller (on abandon, expiry or a holder gone).
  struct grant {
    std::string key;
    uint64_t waiter = 0;
    std::string token;
  };

  enum class asked { granted, waiting, overloaded };

  /// The longest a caller of a key waits for its value or lease: the holder's whole lease, then
  /// perhaps the next holder's, and one more (3 x lease-ms). Its request times out then, and the
  /// table drops it from the line (caller::wait_until_ms).
  static constexpr int64_t longest_wait_ms(int64_t lease_ms) { return 3 * lease_ms; }

  /// `token_prefix` makes tokens unique across restarts and nodes: `node_id:random-hex`, so that
  /// any node can tell from a token which node's table it belongs to (token_node).
  lease_table(std::string token_prefix, limits lim)
    : prefix_(std::move(token_prefix)), limits_(lim) {}
  explicit lease_table(std::string token_prefix) : lease_table(std::move(token_prefix), limits{}) {}

  /// A caller found the key missing: it gets the lease (token set) or waits for the holder.
  asked ask(const std::string& key, const caller& c, int64_t now_ms, std::string& token);

  /// The holder of `token` is storing its value: until fill() or fill_failed(), the lease
  /// neither runs out nor passes on when its holder goes, so a value is never stored under a
  /// lease that meanwhile went to someone else. False for a token that is not the current lease.
  bool begin_fill(const std::string& key, const std::string& token);

  /// Storing the value failed: the lease is held again, with the time it had left (it passes
  /// on at the next expire() if that ran out meanwhile, or its holder went away).
  void fill_failed(const std::string& key, const std::string& token, int64_t now_ms);

  /// The holder of `token` stored the value: the lease ends; `waiters` gets every waiting
  /// request to answer with that value. False (nothing changes) for a token that is not the
  /// key's current lease.
  bool fill(const std::string& key, const std::string& token, std::vector<uint64_t>& waiters);

  /// The holder gives up: the lease passes to the next waiter (into `grants`), if any. False
  /// for a token that is not the key's current lease.
  bool abandon(const std::string& key, const std::string& token, int64_t now_ms,
               std::vector<grant>& grants);

  /// Leases whose time ran out by `now_ms` pass on (into `grants`) or end; callers whose
  /// wait_until_ms passed stop waiting (into `dropped`: answer them that they waited too long).
  void expire(int64_t now_ms, std::vector<grant>& grants, std::vector<uint64_t>& dropped);

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

  /// True when the key has a lease (held, or being filled).
  bool leased(const std::string& key) const { return keys_.count(key) != 0; }

private:
  struct state {
    std::string token;
    uint64_t holder = 0;
    int64_t deadline_ms = 0;
    bool filling = false;        // begin_fill ran: not in deadlines_, not passed on
    bool holder_gone = false;    // its holder went while it was filling
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
  /// wait_until_ms -> (key, waiter), for expire(); entries of callers answered meanwhile stay
  /// until their time and are then skipped.
  std::multimap<int64_t, std::pair<std::string, uint64_t>> wait_deadlines_;
};

/// The node whose table issued `token` (what precedes its last ':'), or "" for a token of
/// another form.
std::string token_node(const std::string& token);

} // namespace ac
