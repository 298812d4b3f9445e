// An enum's names as one table read both ways, so to_string and parse cannot drift apart.
#pragma once

#include <array>
#include <cstddef>
#include <optional>
#include <string_view>

namespace ac {

/// The name of `value` in `names` (indexed by the enumerator's number), or `fallback` for a
/// number outside the table (an enum cast from bytes that came off the network).
template <class Enum, class Name, std::size_t N>
constexpr Name enum_name(const std::array<Name, N>& names, Enum value, Name fallback) {
  auto i = static_cast<std::size_t>(value);
  return i < N ? names[i] : fallback;
}

/// The enumerator that `names` calls `word`, or nullopt.
template <class Enum, class Name, std::size_t N>
constexpr std::optional<Enum> enum_parse(const std::array<Name, N>& names, std::string_view word) {
  for (std::size_t i = 0; i < N; ++i)
    if (std::string_view{names[i]} == word)
      return static_cast<Enum>(i);
  return std::nullopt;
}

} // namespace ac
