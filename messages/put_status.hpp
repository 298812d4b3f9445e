// How a put was acknowledged: the reply of every put message (shard, front, peers), as a uint8_t.
#pragma once

#include <cstdint>

namespace ac {

/// The answer to a put. It travels as a plain uint8_t (a builtin CAF type, so nothing to
/// register and nothing an older peer could fail to decode); convert with the helpers below.
/// Errors (bad value, `unavailable` under redis.write-policy=sync) are caf::errors, not statuses.
enum class put_status : uint8_t {
  not_stored = 0, ///< a conditional put (NX / XX) whose condition did not hold: nothing changed
  stored = 1,     ///< stored in L1 and, when the node has Redis, in Redis too (durable)
  stored_l1_only =
    2, ///< redis.write-policy=l1-when-down and Redis did not take it: lost if the owner restarts
};

/// The wire form of a status.
constexpr uint8_t to_wire(put_status s) { return static_cast<uint8_t>(s); }

/// A status from the wire; an unknown value reads as stored_l1_only, the weaker promise that
/// still says "acknowledged" (a newer peer's status must not read as "not stored").
constexpr put_status put_status_of(uint8_t wire) {
  return wire <= to_wire(put_status::stored_l1_only) ? static_cast<put_status>(wire)
                                                     : put_status::stored_l1_only;
}

/// True when the value was stored (durably or in L1 only).
constexpr bool acknowledged(put_status s) { return s != put_status::not_stored; }

} // namespace ac
