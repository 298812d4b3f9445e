// Keeps a shard's operations on one key in arrival order while writes of the key are out at Redis.
#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

#include <absl/container/flat_hash_map.h>

namespace ac {

/// Why: with Redis as L2, a write (redis.write-policy=sync) changes L1 only once Redis has it,
/// and the shard serves other keys meanwhile. An operation on the same key in that window would
/// read, or judge NX/XX or EXPIRE on, the state before the write (a pipelined `SET k v; GET k`
/// answered the old value), and a second write could overtake the first on another Redis
/// connection (`SET; DEL; SET` left Redis without the key). So while a write of a key is out,
/// every later operation on that key waits, in arrival order, and the key's writes go to Redis
/// one after another. When the write is back, the waiting operations are sent back one at a
/// time; the next is sent when the one before has run (and its own write, if it made one, is
/// back). Keys with nothing out cost one check of an empty table.
///
/// A pure state machine: `Id` tells a sent-back operation from others on arrival (the actor
/// uses the request's sender and id), `Op` is what sends it back. Keys are named by their
/// 64-bit hash (key_hash): nothing to allocate per write, and two keys sharing a hash would
/// only be ordered together.
template <class Id, class Op>
class key_order {
public:
  enum class verdict {
    run,          ///< nothing of the key is out: run it
    run_returned, ///< the operation this key sent back: run it, then call ran()
    wait,         ///< queue it with wait()
  };

  /// No key has anything out or waiting (the common case, checked first).
  bool idle() const { return keys_.empty(); }

  /// Whether `key` has a write out, or operations waiting or on their way back.
  bool busy(uint64_t key) const { return !keys_.empty() && keys_.contains(key); }

  /// What to do with an operation on `key` arriving now.
  verdict admit(uint64_t key, const Id& id) {
    if (keys_.empty())
      return verdict::run;
    auto it = keys_.find(key);
    if (it == keys_.end())
      return verdict::run;
    if (it->second.returning && *it->second.returning == id) {
      it->second.returning.reset();
      return verdict::run_returned;
    }
    return verdict::wait;
  }

  /// admit() for an operation on several keys (a get_many), each key once however often it is
  /// named: `released` are the keys it was sent back for (ran() for each once it has run, or
  /// waits again), `wait_on` the first key it must wait behind, if any.
  struct admission {
    std::optional<uint64_t> wait_on;
    std::vector<uint64_t> released;
  };
  admission admit_all(std::vector<uint64_t> keys, const Id& id) {
    admission out;
    if (keys_.empty())
      return out;
    // Each key once: a key named twice must not wait behind itself. Which busy key the
    // operation waits on first does not matter: it comes back, and waits on the next.
    std::sort(keys.begin(), keys.end());
    keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
    for (auto key : keys)
      admit_into(out, key, id);
    return out;
  }

  /// admit_all() of one key, with no list of keys to build (a get, put or delete).
  admission admit_one(uint64_t key, const Id& id) {
    admission out;
    admit_into(out, key, id);
    return out;
  }

  /// Queues an operation that admit() told to wait.
  void wait(uint64_t key, Id id, Op op) {
    keys_[key].waiting.emplace_back(std::move(id), std::move(op));
    ++waits_;
  }

  /// A write of `key` leaves for Redis: the key's later operations wait until write_back().
  void write_out(uint64_t key) { ++keys_[key].writes_out; }

  /// A write of `key` came back (applied, refused or failed) and its effect is in L1: the next
  /// operation to send back, if one waits and no other write of the key is out.
  std::optional<Op> write_back(uint64_t key) {
    auto it = keys_.find(key);
    if (it == keys_.end())
      return std::nullopt;
    if (it->second.writes_out > 0)
      --it->second.writes_out;
    return next(it);
  }

  /// A sent-back operation (verdict run_returned) has run: the next one to send back, if any.
  std::optional<Op> ran(uint64_t key) {
    auto it = keys_.find(key);
    return it == keys_.end() ? std::nullopt : next(it);
  }

  /// Every waiting operation, in no particular order, and nothing waits any more: the owner
  /// ends and must answer them otherwise.
  std::vector<Op> drain() {
    std::vector<Op> out;
    for (auto& [key, e] : keys_)
      for (auto& [id, op] : e.waiting)
        out.push_back(std::move(op));
    keys_.clear();
    return out;
  }

  /// Keys with something out or waiting, and operations that had to wait since the start.
  size_t keys() const { return keys_.size(); }
  uint64_t waits() const { return waits_; }

private:
  void admit_into(admission& out, uint64_t key, const Id& id) {
    switch (admit(key, id)) {
      case verdict::run:
        break;
      case verdict::run_returned:
        out.released.push_back(key);
        break;
      case verdict::wait:
        if (!out.wait_on)
          out.wait_on = key;
        break;
    }
  }

  struct entry {
    uint32_t writes_out = 0;
    std::vector<std::pair<Id, Op>> waiting; ///< rarely more than one or two: no deque
    std::optional<Id> returning;            ///< sent back, not arrived yet: the key stays taken
  };
  using table = absl::flat_hash_map<uint64_t, entry>;

  std::optional<Op> next(typename table::iterator it) {
    auto& e = it->second;
    if (e.writes_out > 0 || e.returning)
      return std::nullopt;
    if (e.waiting.empty()) {
      keys_.erase(it);
      return std::nullopt;
    }
    auto [id, op] = std::move(e.waiting.front());
    e.waiting.erase(e.waiting.begin());
    e.returning = std::move(id);
    return std::move(op);
  }

  table keys_;
  uint64_t waits_ = 0;
};

} // namespace ac
