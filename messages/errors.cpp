// Names and rendering of actorcache's error codes.
#include "messages/errors.hpp"

#include "core/enum_names.hpp"

#include <array>

#include <caf/message.hpp>
#include <caf/sec.hpp>

namespace ac {

namespace {

// In the order of errc's enumerators; the RESP edge derives its error codes from these.
constexpr std::array<const char*, 12> errc_names{
  "none",           "empty_key",   "key_too_long", "value_too_large", "bad_value",   "overloaded",
  "compute_failed", "unavailable", "l2_error",     "bad_request",     "stale_lease", "refused",
};
static_assert(errc_names.size() == static_cast<size_t>(errc::refused) + 1);

} // namespace

const char* to_string(errc x) { return enum_name(errc_names, x, "unknown"); }

std::string describe(const caf::error& err) {
  if (!err)
    return "no error";
  if (err.category() == errc_category) {
    std::string out = to_string(static_cast<errc>(err.code()));
    if (err.context().match_elements<std::string>())
      out += ": " + err.context().get_as<std::string>(0);
    return out;
  }
  if (err.category() == caf::atom("system"))
    return to_string(static_cast<caf::sec>(err.code()));
  return caf::to_string(err);
}

} // namespace ac
