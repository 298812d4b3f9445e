// What became of a write or delete the Redis bridge was asked to make: its reply, as a uint8_t.
#pragma once

#include <cstdint>

namespace ac {

/// Why three answers, not "written or not": a write that left for Redis and got no answer (a
/// timeout, a connection that broke, an error in its batch) may have been applied all the same.
/// Its writer must not say "nothing stored" then, nor keep the old value in L1 while Redis may
/// hold the new one. Travels as a plain uint8_t (a builtin CAF type: nothing to register).
enum class l2_outcome : uint8_t {
  not_written = 0, ///< it never left (breaker open, backlog full, no connection)
  written = 1,     ///< Redis answered it
  unknown = 2,     ///< it left, and no answer came in time: Redis may or may not have applied it
  /// Redis answered, and the write changed nothing: a conditional put (SET NX / XX) whose
  /// condition did not hold, a delete of a key Redis did not hold.
  not_applied = 3,
};

/// Whether Redis answered the write (it is applied, or there was nothing to apply).
constexpr bool answered(l2_outcome o) {
  return o == l2_outcome::written || o == l2_outcome::not_applied;
}

constexpr uint8_t to_wire(l2_outcome o) { return static_cast<uint8_t>(o); }

/// An outcome from the wire; an unknown value reads as unknown.
constexpr l2_outcome l2_outcome_of(uint8_t wire) {
  return wire <= to_wire(l2_outcome::not_applied) ? static_cast<l2_outcome>(wire)
                                                  : l2_outcome::unknown;
}

} // namespace ac
