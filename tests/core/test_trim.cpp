// Unit tests of core/trim: the one trim of config lines, trace lines and /proc text.
#include <catch2/catch.hpp>

#include "core/trim.hpp"

using ac::trim;

TEST_CASE("trim drops spaces, tabs, carriage returns and newlines at both ends only", "[trim]") {
  CHECK(trim("  key = value \t\r\n") == "key = value");
  CHECK(trim("plain") == "plain");
  CHECK(trim("") == "");
  CHECK(trim(" \t\r\n ") == "");
  CHECK(trim("a b") == "a b");
  CHECK(trim("\v1\f") == "\v1\f"); // other control characters are content
}
