// Redis-style glob patterns for SCAN-like key listings (`user:*`, `k?`, `[abc]x`).
#pragma once

#include <string_view>

namespace ac {

/// Whether `key` matches the shell glob `pattern`: `*` any run of bytes (`/` included), `?`
/// one byte, `[...]` a set or range (`[!...]` / `[^...]` negated), `\x` a literal x. The
/// work is glibc's fnmatch(3) (no FNM_PATHNAME, no FNM_PERIOD: a key is not a path): a
/// well-tested matcher whose pattern syntax is the one Redis documents, so no hand-written
/// matcher to get wrong. fnmatch reads C strings, so a key holding a NUL byte matches
/// only the pattern `*`.
bool glob_match(std::string_view pattern, std::string_view key);

} // namespace ac
