// Reads key traces for the simulator: LIRS text (one integer per line) or 32-bit big-endian.
#pragma once

#include <cstdint>
#include <istream>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ac {

enum class trace_format {
  lirs,  ///< text, one unsigned integer per line; `*` lines and blank lines are skipped
  u32be, ///< binary, consecutive 4-byte big-endian unsigned integers
};

/// "lirs" or "u32be"; nullopt for anything else.
std::optional<trace_format> parse_trace_format(std::string_view name);

/// A parsed trace, or why it could not be parsed.
struct trace_result {
  std::vector<uint64_t> keys; ///< the accesses in order (empty on error)
  std::string error;          ///< empty on success, else names the line/offset and the problem
  bool ok() const { return error.empty(); }
};

/// Reads the whole stream. Malformed input (a non-numeric or out-of-range line, a partial
/// trailing u32 record, a stream error) yields an error rather than a partial trace.
trace_result read_trace(std::istream& in, trace_format format);

} // namespace ac
