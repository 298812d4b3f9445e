// Enum names read both ways from one table: breaker and member states, out-of-range numbers.
#include <catch2/catch.hpp>

#include "core/circuit_breaker.hpp"
#include "core/enum_names.hpp"
#include "core/member_info.hpp"

using namespace ac;

TEST_CASE("Each member state's word parses back to the same state") {
  for (auto s :
       {member_state::suspect, member_state::alive, member_state::down, member_state::left})
    CHECK(parse_member_state(to_string(s)) == s);
  CHECK(to_string(member_state::alive) == "alive");
  CHECK_FALSE(parse_member_state("dead").has_value());
  CHECK_FALSE(parse_member_state("").has_value());
}

TEST_CASE("A state number from outside the table reads as the fallback name") {
  CHECK(to_string(static_cast<member_state>(9)) == "suspect");
  CHECK(to_string(static_cast<breaker_state>(7)) == "unknown");
  CHECK(to_string(breaker_state::half_open) == "half-open");
}

TEST_CASE("enum_parse finds the number of a name and nothing for another") {
  enum class colour { red, green };
  constexpr std::array<std::string_view, 2> names{"red", "green"};
  CHECK(enum_parse<colour>(names, "green") == colour::green);
  CHECK_FALSE(enum_parse<colour>(names, "blue").has_value());
  CHECK(enum_name(names, colour::red, std::string_view{"?"}) == "red");
}
