// Redis-style glob patterns through fnmatch(3) (see glob_match.hpp).
#include "core/glob_match.hpp"

#include <fnmatch.h>

#include <string>

namespace ac {

bool glob_match(std::string_view pattern, std::string_view key) {
  if (pattern == "*")
    return true; // the common "everything" needs no copy
  if (key.find('\0') != std::string_view::npos || pattern.find('\0') != std::string_view::npos)
    return false;
  return ::fnmatch(std::string{pattern}.c_str(), std::string{key}.c_str(), 0) == 0;
}

} // namespace ac
