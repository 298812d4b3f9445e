// Names and rendering of actorcache's error codes.
#include "messages/errors.hpp"

#include <caf/message.hpp>
#include <caf/sec.hpp>

namespace ac {

const char* to_string(errc x) {
  switch (x) {
    case errc::none:
      return "none";
    case errc::empty_key:
      return "empty_key";
    case errc::key_too_long:
      return "key_too_long";
    case errc::value_too_large:
      return "value_too_large";
    case errc::bad_value:
      return "bad_value";
    case errc::overloaded:
      return "overloaded";
    case errc::compute_failed:
      return "compute_failed";
    case errc::unavailable:
      return "unavailable";
    case errc::l2_error:
      return "l2_error";
    case errc::bad_request:
      return "bad_request";
    case errc::stale_lease:
      return "stale_lease";
    case errc::refused:
      return "refused";
  }
  return "unknown";
}

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
