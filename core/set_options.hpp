// SET's options as Redis 7 reads them (NX, XX, EX, PX, EXAT, PXAT): a pure parser of the arguments after the value.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace ac::resp {

/// What `SET key value [options]` asks for, or why it is refused.
struct set_options {
  enum class condition : uint8_t { always, absent, present }; ///< none, NX, XX
  condition cond = condition::always;
  int64_t ttl_ms = 0; ///< 0: none named (the node's default TTL); else 1 .. 2^40
  bool past = false;  ///< EXAT / PXAT named a moment already gone: the key is to go
  std::string error;  ///< the reply's error text when the options do not parse
};

/// Reads argv[3..] of a SET (argv[0..2]: SET, key, value) as Redis 7 does: NX or XX, either
/// repeated; one kind of expiry (EX, PX, EXAT, PXAT), repeated or not, the last one wins; a
/// relative lifetime of 1 .. 2^50 units, an absolute one measured from `now_ms` (Unix ms).
/// Lifetimes beyond 2^40 ms (34 years) are kept as that long, as EXPIRE's are. KEEPTTL and GET,
/// which need the owner to read and write the key in one step, are refused by name.
set_options parse_set_options(const std::vector<std::string>& argv, int64_t now_ms);

} // namespace ac::resp
