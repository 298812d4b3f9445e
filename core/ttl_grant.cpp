// The TTL a value from L2 or a previous owner gets in L1 (see ttl_grant.hpp).
#include "core/ttl_grant.hpp"

#include <algorithm>

namespace ac {

namespace {

/// The whole seconds L1 may keep a value that has `ms` left at its source. L1 rounds a deadline
/// up to its next whole second (up to 1 s more), so that second is left out here: the copy
/// never outlives its source, also when it is copied on (L2 -> L1 -> a new owner's L1).
/// nullopt when not even one second remains.
std::optional<std::chrono::seconds> whole_seconds(int64_t ms) {
  if (ms < 2000)
    return std::nullopt;
  return std::chrono::seconds{ms / 1000 - 1};
}

} // namespace

std::optional<std::chrono::seconds> l1_ttl(const ttl_facts& f) {
  // The source's word is the measure: it counted on its own monotonic clock, and it may rightly
  // exceed the Entry's lifetime (EXPIRE sets a new TTL in L1 and Redis, not in the Entry).
  if (f.left_ms >= 0)
    return whole_seconds(f.left_ms);
  if (f.left_ms == ttl_left::gone)
    return std::nullopt;
  const int64_t entry_ms = int64_t{f.entry_ttl_seconds} * 1000;
  // No expiry at the source, or no word from it. An Entry without a lifetime lives as long
  // as L1's default, like a put without a TTL.
  if (entry_ms == 0)
    return std::chrono::seconds{0};
  // Only the writer's stamp is left. It is another machine's clock, so the estimate may be
  // minutes off either way: never grant more than the Entry's own lifetime (a clock behind
  // would otherwise extend it); a clock ahead can only make L1 drop it early (L2 still has it).
  // (The stamp comes from untrusted bytes: 128-bit arithmetic, so no value can overflow.)
  const __int128 estimate = __int128{f.created_at_ms} + entry_ms - f.now_ms;
  return whole_seconds(static_cast<int64_t>(std::clamp<__int128>(estimate, 0, entry_ms)));
}

} // namespace ac
