// The RESP edge's error code words and the node's error names come from one table.
#include <catch2/catch.hpp>

#include "actors/resp_command_parts.hpp"
#include "messages/errors.hpp"

using namespace ac;
using ac::resp_cmd::code_of;

TEST_CASE("Every node error has the RESP code word clients match on, and none reads ERR") {
  const std::vector<std::pair<errc, std::string>> cases{
    {errc::empty_key, "EMPTYKEY"},
    {errc::key_too_long, "KEYTOOLONG"},
    {errc::value_too_large, "VALUETOOLARGE"},
    {errc::bad_value, "BADVALUE"},
    {errc::overloaded, "OVERLOADED"},
    {errc::compute_failed, "COMPUTEFAILED"},
    {errc::unavailable, "UNAVAILABLE"},
    {errc::l2_error, "L2ERROR"},
    {errc::bad_request, "BADREQUEST"},
    {errc::stale_lease, "STALELEASE"},
    {errc::refused, "REFUSED"},
  };
  for (const auto& [e, word] : cases) {
    INFO(to_string(e));
    CHECK(code_of(e) == word);
  }
}

TEST_CASE("No error and a code from outside the enum read as the generic ERR") {
  CHECK(code_of(errc::none) == "ERR");
  CHECK(code_of(static_cast<errc>(200)) == "ERR");
  CHECK(std::string{to_string(static_cast<errc>(200))} == "unknown");
  CHECK(std::string{to_string(errc::stale_lease)} == "stale_lease");
}
