// A tensor's shape written as "D1,D2,...": the X-Tensor-Shape header of the http loader's service.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace ac {

/// The dimensions of "D1,D2,..." (decimal, each fits 64 bits, no sign or empty part; spaces
/// around a number are allowed); "" is a scalar (no dimensions). Nullopt for anything else: the text comes from the network,
/// where std::stoull would take "-1" as 2^64 - 1 and "3abc" as 3.
std::optional<std::vector<uint64_t>> parse_shape_list(std::string_view text);

} // namespace ac
