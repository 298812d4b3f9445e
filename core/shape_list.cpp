// A tensor's shape written as "D1,D2,..." (see shape_list.hpp).
#include "core/shape_list.hpp"

#include <charconv>

namespace ac {

std::optional<std::vector<uint64_t>> parse_shape_list(std::string_view text) {
  std::vector<uint64_t> dims;
  if (text.empty())
    return dims;
  for (;;) {
    auto comma = text.find(',');
    auto part = text.substr(0, comma);
    // Spaces around a number are a header's usual padding ("10, 50, 60"); nothing else is.
    while (!part.empty() && part.front() == ' ')
      part.remove_prefix(1);
    while (!part.empty() && part.back() == ' ')
      part.remove_suffix(1);
    uint64_t d = 0;
    auto [end, ec] = std::from_chars(part.data(), part.data() + part.size(), d);
    if (part.empty() || ec != std::errc{} || end != part.data() + part.size())
      return std::nullopt; // from_chars takes digits only: no sign, space or junk behind
    dims.push_back(d);
    if (comma == std::string_view::npos)
      return dims;
    text.remove_prefix(comma + 1);
  }
}

} // namespace ac
