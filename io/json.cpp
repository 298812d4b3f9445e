// The JSON the programs write (see json.hpp).
#include "io/json.hpp"

#include <cmath>
#include <cstdint>

#include "core/utf8.hpp"

namespace ac {

json json_number(double x) {
  if (!std::isfinite(x))
    return nullptr;
  if (x == std::floor(x) && std::fabs(x) < 9.0e18)
    return static_cast<int64_t>(x);
  return x;
}

json json_text(std::string_view bytes) { return to_valid_utf8(bytes); }

std::string dump_json(const json& j) {
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

} // namespace ac
