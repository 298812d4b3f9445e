// The results of lookups as they travel between actors and to clients.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <caf/meta/type_name.hpp>

#include "core/ttl_grant.hpp"

namespace ac {

/// Where a found value came from.
enum class tier : uint8_t {
  none = 0,
  l1 = 1,
  l2 = 2,
  compute = 3,
  payload = 4, ///< client side only: `value` is the bare payload (read over RESP), not an Entry
};

/// One key's answer: found or not, and if found the encoded Entry (messages/entry.capnp).
struct lookup_result {
  bool found = false;
  uint8_t source = 0; ///< a `tier`
  std::string value;  ///< the encoded Entry; empty when !found
  bool hot = false;   ///< the owner counts this key among its hottest: peers may keep a near copy
  /// How long the value has left where it was found, measured on that side's monotonic clock
  /// (Redis's PTTL, the answering node's L1): ms, or a core/ttl_grant ttl_left code. Set where
  /// a node fills its L1 from the answer (L2 reads, hand-off); ttl_left::unknown elsewhere.
  int64_t ttl_ms = ttl_left::unknown;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, lookup_result& x) {
  return f(caf::meta::type_name("lookup_result"), x.found, x.source, x.value, x.hot, x.ttl_ms);
}

inline lookup_result make_hit(std::string value, tier t, int64_t ttl_ms = ttl_left::unknown) {
  return lookup_result{true, static_cast<uint8_t>(t), std::move(value), false, ttl_ms};
}

inline lookup_result make_miss() { return lookup_result{}; }

/// A miss its source answered (Redis said it holds no such key), told apart from a miss that
/// stands for "could not ask" (make_miss(): Redis down, the read failed) by its ttl_ms. Those
/// who only want a value read both as a miss; EXISTS and TTL must not.
inline lookup_result make_absent() {
  lookup_result r;
  r.ttl_ms = ttl_left::gone;
  return r;
}

/// A miss that is the answer (L1 holds nothing and nothing stands behind it), told apart from
/// a position of a batch not answered yet (make_miss()) while the batch is gathered.
inline lookup_result make_final_miss() {
  lookup_result r;
  r.source = static_cast<uint8_t>(tier::l1);
  return r;
}

/// Whether `r` answers its key: a value, or a miss that is final.
inline bool answered(const lookup_result& r) { return r.found || r.source != 0; }

using lookup_results = std::vector<lookup_result>;

/// One page of a key listing (scan_atom): keys of L1 matching the pattern, and where to go on.
struct scan_page {
  uint64_t cursor = 0;           ///< pass it back for the next page; 0 = the listing is complete
  std::vector<std::string> keys; ///< live keys (not past their TTL), in no particular order
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, scan_page& x) {
  return f(caf::meta::type_name("scan_page"), x.cursor, x.keys);
}

/// The hottest keys of a shard or node by estimated reads (a decayed count), hottest first:
/// what a node that starts, joins or rejoins loads from L2 before its clients ask (warming).
struct hot_key_list {
  std::vector<std::string> keys;
  std::vector<uint64_t> counts; ///< counts[i] belongs to keys[i]
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, hot_key_list& x) {
  return f(caf::meta::type_name("hot_key_list"), x.keys, x.counts);
}

/// What a keyspace_atom request asks of a key (Redis's EXISTS, PTTL, EXPIRE).
enum class key_op : uint8_t {
  exists = 0, ///< 1 when present, else 0
  pttl = 1,   ///< ms left, -1 never expires, -2 absent
  expire = 2, ///< new TTL in ms (<= 0 erases); 1 when the key was there, else 0
  /// EXPIRE's NX / XX / GT / LT (Redis 7): as expire, only when the key has no TTL / has one /
  /// the new TTL is longer / shorter than what it has left (no TTL counts as forever); 1 when
  /// the TTL was set, else 0.
  expire_nx = 3,
  expire_xx = 4,
  expire_gt = 5,
  expire_lt = 6,
  /// EXPIRE's XX and LT together: only when the key has a TTL and the new one is shorter (XX
  /// with GT is expire_gt, which never lengthens "forever" anyway).
  expire_xx_lt = 7,
};

/// When a conditional put stores its value (Redis's SET NX / XX).
enum class put_if : uint8_t {
  always = 0,
  absent = 1,  ///< NX: only when the key is not there
  present = 2, ///< XX: only when it is
};

} // namespace ac
