// Tests of core/shape_list: the X-Tensor-Shape header's dimensions, read strictly.
#include <catch2/catch.hpp>

#include "core/shape_list.hpp"

using ac::parse_shape_list;
using dims = std::vector<uint64_t>;

TEST_CASE("A shape list gives its dimensions in order", "[shape_list]") {
  CHECK(parse_shape_list("10,50,60") == std::optional<dims>{{10, 50, 60}});
  CHECK(parse_shape_list("7") == std::optional<dims>{{7}});
  CHECK(parse_shape_list("10, 50, 60") == std::optional<dims>{{10, 50, 60}}); // header padding
  CHECK(parse_shape_list("0,3") == std::optional<dims>{{0, 3}});
  CHECK(parse_shape_list("18446744073709551615") == std::optional<dims>{{18446744073709551615ull}});
}

TEST_CASE("An empty shape list is a scalar", "[shape_list]") {
  CHECK(parse_shape_list("") == std::optional<dims>{dims{}});
}

TEST_CASE("A shape list with a sign, junk, an empty part or an overflow is refused",
          "[shape_list]") {
  for (const char* bad : {"-1", "+3", "3abc", "3,x", "3 4", "3,,4", ",3", "3,", " ", "1.5",
                          "18446744073709551616", "0x10"})
    CHECK_FALSE(parse_shape_list(bad).has_value());
}
