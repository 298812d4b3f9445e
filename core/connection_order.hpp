// Keeps one client connection's commands in Redis's order where their paths through a node could cross.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <vector>

namespace ac {

/// Why: a connection's commands leave for the node's actors one after another and are answered
/// in order, but they do not all take the same path. A GET that L1 misses goes on to a loader
/// or to Redis through the shard's coalescer, while a SET of the same key behind it goes from
/// the shard to Redis directly: the SET can reach Redis first, and the GET then answers the
/// value written after it (a pipelined `GET k; SET k v` read v). AC.FILL reaches the shard
/// through the lease keeper, so a GET behind it reached the shard first and missed the fill.
/// Redis runs a connection's commands one after another; so does a node where it matters:
///   - a write of a key waits while a read of the key from before it is still owed;
///   - any command on a key (EXISTS and TTL too) waits while a relayed write of the key (AC.FILL)
///     is still owed;
///   - a command on the whole keyspace (DBSIZE, SCAN, FLUSHDB) waits for every earlier reply.
/// Everything else goes at once, so a pipeline of reads, or of writes, never waits.
///
/// A pure state machine over request slots (numbered in request order) and key hashes; the
/// caller says which slots are still owed, so nothing here must be told of each answer.
class connection_order {
public:
  /// How a command is ordered behind earlier ones of its connection.
  enum class kind : uint8_t {
    free,    ///< names no key, or its path cannot cross (PING, AC.GETORLEASE, AC.ABANDON)
    looks,   ///< reads keys in L1 only, in the shard's order (EXISTS, TTL): only a relayed write
             ///< reaches the shard by another way; not recorded (a write behind it never waits)
    read,    ///< reads keys, maybe from Redis or a loader (GET, MGET, AC.TENSOR.GET)
    write,   ///< changes keys, through the shard (SET, DEL, EXPIRE, AC.TENSOR.SET)
    relayed, ///< changes a key through another actor first (AC.FILL)
    whole,   ///< looks at or changes the whole keyspace (DBSIZE, SCAN, FLUSHDB)
  };

  /// Keys recorded one by one, at most; past it a slot's keys are recorded as "any key", so a
  /// pipeline of huge MGETs costs bounded memory and, at worst, a write waits a little longer.
  static constexpr size_t max_keys = 1024;

  /// A command of `k` on `keys` (their hashes) left in `slot` and is not answered yet.
  void left(uint64_t slot, kind k, const uint64_t* keys, size_t n) {
    if (k != kind::read && k != kind::relayed)
      return; // what a write or a whole-keyspace command does, later commands see in order
    bool relayed = k == kind::relayed;
    if (keyed_ + n > max_keys) {
      out_.push_back({slot, 0, relayed, true});
      return;
    }
    for (size_t i = 0; i < n; ++i)
      out_.push_back({slot, keys[i], relayed, false});
    keyed_ += n;
  }

  /// The earliest slot a command of `k` on `keys` must wait for, if any. `owed(slot)` says
  /// whether a slot is still unanswered; `first_owed` is the earliest unanswered slot, if any.
  template <class Owed>
  std::optional<uint64_t> blocker(kind k, const uint64_t* keys, size_t n,
                                  std::optional<uint64_t> first_owed, Owed owed) const {
    if (k == kind::whole)
      return first_owed;
    if (k == kind::free || out_.empty())
      return std::nullopt;
    bool writes = k == kind::write || k == kind::relayed;
    // An MSET of many keys is looked up sorted: entries x keys compares would grow as a square.
    std::vector<uint64_t> sorted;
    if (n > 8) {
      sorted.assign(keys, keys + n);
      std::sort(sorted.begin(), sorted.end());
    }
    auto names = [&](uint64_t key) {
      return n > 8 ? std::binary_search(sorted.begin(), sorted.end(), key)
                   : std::find(keys, keys + n, key) != keys + n;
    };
    for (const auto& e : out_) {
      if (!(e.relayed || writes) || !owed(e.slot))
        continue;
      if (e.any_key || names(e.key))
        return e.slot; // entries are in slot order: the first match is the earliest
    }
    return std::nullopt;
  }

  /// Forgets the slots before `first`: answered and sent.
  void trim(uint64_t first) {
    while (!out_.empty() && out_.front().slot < first) {
      if (!out_.front().any_key)
        --keyed_;
      out_.pop_front();
    }
  }

  bool empty() const { return out_.empty(); }
  size_t entries() const { return out_.size(); }

private:
  struct entry {
    uint64_t slot;
    uint64_t key;
    bool relayed; ///< a relayed write, which every later command on the key waits for
    bool any_key; ///< stands for every key (the slot had more than max_keys allowed)
  };

  std::deque<entry> out_;
  size_t keyed_ = 0; ///< entries naming one key
};

} // namespace ac
