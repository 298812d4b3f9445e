// The RESP command table: lookup, arity, key counts and Redis's error texts.
#include <catch2/catch.hpp>

#include "core/resp_command_table.hpp"
#include "core/resp_reply.hpp"

using namespace ac::resp;

TEST_CASE("Command names are found case-insensitively and unknown ones are not", "[resp]") {
  REQUIRE(find_command("GET") != nullptr);
  CHECK(find_command("get")->id == command_id::get);
  CHECK(find_command("Ac.GetOrLease")->id == command_id::ac_getorlease);
  CHECK(find_command("nosuch") == nullptr);
  CHECK(find_command(std::string(100, 'g')) == nullptr);
}

TEST_CASE("Arity follows Redis: exact for positive, a minimum for negative", "[resp]") {
  auto& get = *find_command("get");
  CHECK(arity_ok(get, 2));
  CHECK_FALSE(arity_ok(get, 1));
  CHECK_FALSE(arity_ok(get, 3));
  auto& mget = *find_command("mget");
  CHECK_FALSE(arity_ok(mget, 1));
  CHECK(arity_ok(mget, 2));
  CHECK(arity_ok(mget, 10001));
}

TEST_CASE("Key counts follow first, last and step (MSET counts every other argument)", "[resp]") {
  CHECK(key_count(*find_command("mget"), 11) == 10);
  CHECK(key_count(*find_command("mset"), 21) == 10);
  CHECK(key_count(*find_command("get"), 2) == 1);
  CHECK(key_count(*find_command("ping"), 1) == 0);
  CHECK(key_count(*find_command("del"), 1) == 0);
}

TEST_CASE("Error texts match Redis's", "[resp]") {
  CHECK(wrong_arity_error("GET") == "ERR wrong number of arguments for 'get' command");
  CHECK(unknown_command_error("foo", {"foo", "a", "b"})
        == "ERR unknown command 'foo', with args beginning with: 'a' 'b' ");
}

TEST_CASE("Integers parse whole or not at all", "[resp]") {
  int64_t n = 0;
  CHECK(parse_int("42", n));
  CHECK(n == 42);
  CHECK(parse_int("-7", n));
  CHECK(n == -7);
  CHECK_FALSE(parse_int("", n));
  CHECK_FALSE(parse_int("4x", n));
  CHECK_FALSE(parse_int("+4", n));
  CHECK_FALSE(parse_int("99999999999999999999", n));
  // One spelling per number, as Redis's string2ll: EXPIRE k 05 is an error there.
  CHECK(parse_int("0", n));
  CHECK(n == 0);
  CHECK(parse_int("-9223372036854775808", n));
  CHECK_FALSE(parse_int("05", n));
  CHECK_FALSE(parse_int("-0", n));
  CHECK_FALSE(parse_int("-", n));
  CHECK_FALSE(parse_int(" 5", n));
  CHECK_FALSE(parse_int("5 ", n));
}

TEST_CASE("Replies are encoded as RESP2", "[resp]") {
  std::string out;
  bulk(out, std::string_view("a\0b", 3));
  nil(out);
  integer(out, -2);
  array(out, 2);
  error(out, "ERR bad\r\nthing");
  simple(out, "OK");
  CHECK(out == std::string("$3\r\na\0b\r\n$-1\r\n:-2\r\n*2\r\n-ERR bad  thing\r\n+OK\r\n", 45));
}
