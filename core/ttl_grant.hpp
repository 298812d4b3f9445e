// How long L1 keeps a value it did not store itself (read from L2, handed over by a previous owner).
//
// The lifetime of such a value must come from a relative TTL that its source measured on its own
// monotonic clock (Redis's PTTL, the previous owner's L1), never from the difference between the
// Entry's createdAtMs (the *writer's* wall clock) and this node's wall clock: a node whose clock
// is ten minutes behind would serve the value ten minutes past its TTL, one ahead would drop it
// at once. Only when a source gives no relative TTL (an older peer) is the wall clock consulted,
// and then never for more than the Entry's own ttlSeconds.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>

namespace ac {

/// How long a value has left at its source: milliseconds (>= 0), or one of these codes. The
/// first two are Redis's PTTL codes, so a PTTL reply passes through unchanged.
namespace ttl_left {
constexpr int64_t never = -1;   ///< the source keeps it without an expiry
constexpr int64_t gone = -2;    ///< the source no longer has it (expired or deleted meanwhile)
constexpr int64_t unknown = -3; ///< the source did not say (a peer of an older version)
} // namespace ttl_left

/// What is known about a value that is about to enter L1.
struct ttl_facts {
  int64_t left_ms = ttl_left::unknown; ///< from the source: ms left, or a ttl_left code
  uint32_t entry_ttl_seconds = 0;      ///< the Entry's ttlSeconds: its whole lifetime (0 = none)
  int64_t created_at_ms = 0;           ///< the Entry's createdAtMs: the writer's wall clock
  int64_t now_ms = 0; ///< this node's wall clock; read only when left_ms is unknown
};

/// The TTL to fill L1 with, in the shard's convention: nullopt = do not keep it in L1 (too little
/// left, or gone: serve it to the callers waiting now, read it again next time); 0 s = L1's
/// default TTL (a value without an expiry, as if it had been put here); else whole seconds that
/// end, after L1 rounds its deadline up to a whole second, no later than the source's expiry;
/// without a word from the source, never more than the Entry's ttlSeconds.
std::optional<std::chrono::seconds> l1_ttl(const ttl_facts& f);

} // namespace ac
