// Unit tests of core/utf8: which bytes are valid UTF-8, and the Latin-1 repair of the others.
#include <catch2/catch.hpp>

#include "core/utf8.hpp"

using namespace ac;

TEST_CASE("valid UTF-8 sequences have their length, invalid ones 0", "[utf8]") {
  CHECK(utf8_sequence_length("a", 0) == 1);
  CHECK(utf8_sequence_length("\xc3\xa9", 0) == 2);
  CHECK(utf8_sequence_length("\xe2\x82\xac", 0) == 3);
  CHECK(utf8_sequence_length("\xf0\x9f\x98\x80", 0) == 4);
  CHECK(utf8_sequence_length("\xff", 0) == 0);
  CHECK(utf8_sequence_length("\xc3", 0) == 0);             // truncated
  CHECK(utf8_sequence_length("\xc0\xaf", 0) == 0);         // overlong '/'
  CHECK(utf8_sequence_length("\xed\xa0\x80", 0) == 0);     // a UTF-16 surrogate
  CHECK(utf8_sequence_length("\xf4\x90\x80\x80", 0) == 0); // past U+10FFFF
}

TEST_CASE("valid UTF-8 is kept and every invalid byte becomes its Latin-1 character", "[utf8]") {
  CHECK(to_valid_utf8("plain") == "plain");
  CHECK(to_valid_utf8("caf\xc3\xa9") == "caf\xc3\xa9");
  CHECK(to_valid_utf8("caf\xc3\xa9 \xff\xc3") == "caf\xc3\xa9 \xc3\xbf\xc3\x83");
  CHECK(to_valid_utf8("\xed\xa0\x80") == "\xc3\xad\xc2\xa0\xc2\x80");
  CHECK(to_valid_utf8(std::string("a\0b", 3)) == std::string("a\0b", 3)); // NUL is valid
}
