// actorcache's error codes as a CAF error category, so clients see a named reason.
#pragma once

#include <cstdint>
#include <string>

#include <caf/atom.hpp>
#include <caf/error.hpp>
#include <caf/make_message.hpp>

namespace ac {

enum class errc : uint8_t {
  none = 0,
  empty_key,       // the key is empty
  key_too_long,    // the key exceeds cache.max-key-bytes
  value_too_large, // the value exceeds cache.max-value-bytes
  bad_value,       // the value is not a valid Entry
  overloaded,      // node.max-inflight or a compute queue is full
  compute_failed,  // the loader failed for this key
  unavailable,     // a needed actor or peer is gone
  l2_error,        // Redis failed (only seen by the bridge's direct callers)
  bad_request,     // malformed request
  stale_lease,     // a fill or abandon with a token that is not the key's current lease
  refused,         // a node may not join: its id is a live member's, or its settings differ
};

/// Category atom of errc errors (registered in register_types()).
constexpr caf::atom_value errc_category = caf::atom("actorcache");

const char* to_string(errc x);

inline caf::error make_error(errc x) { return caf::error{static_cast<uint8_t>(x), errc_category}; }

inline caf::error make_error(errc x, std::string reason) {
  return caf::error{static_cast<uint8_t>(x), errc_category, caf::make_message(std::move(reason))};
}

/// Renders any error for a human: "key_too_long: key of 600 bytes exceeds cache.max-key-bytes=512".
std::string describe(const caf::error& err);

} // namespace ac
