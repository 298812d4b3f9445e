// Unit tests of the JSON writer of the tools' --json output.
#include <catch2/catch.hpp>

#include <cmath>

#include "core/json_writer.hpp"

using namespace ac;

TEST_CASE("JSON strings escape quotes, backslashes and control characters", "[tools][json]") {
  std::string out;
  append_json_string(out, "a\"b\\c\nd\te\x01");
  CHECK(out == R"("a\"b\\c\nd\te\u0001")");
}

TEST_CASE("JSON strings keep valid UTF-8 and escape invalid bytes", "[tools][json]") {
  std::string out;
  append_json_string(out, "caf\xc3\xa9 \xff\xc3");
  CHECK(out == "\"caf\xc3\xa9 \\u00ff\\u00c3\"");
  out.clear();
  append_json_string(out, "\xed\xa0\x80");  // a UTF-16 surrogate is not valid UTF-8
  CHECK(out == R"("\u00ed\u00a0\u0080")");
}

TEST_CASE("JSON numbers: integral doubles print as integers, NaN as null", "[tools][json]") {
  CHECK(json_number(3.0) == "3");
  CHECK(json_number(-42.0) == "-42");
  CHECK(json_number(0.5) == "0.5");
  CHECK(json_number(0.1) == "0.1");
  CHECK(json_number(1e300) == "1e+300");
  CHECK(json_number(std::nan("")) == "null");
}

TEST_CASE("the JSON writer places commas and nests", "[tools][json]") {
  json_writer w;
  w.begin_object()
    .field("a", 1)
    .field("b", "x")
    .key("c")
    .begin_array()
    .value(true)
    .null()
    .begin_object()
    .field("d", 2.5)
    .end_object()
    .end_array()
    .key("e")
    .begin_object()
    .end_object()
    .end_object();
  CHECK(w.str() == R"({"a":1,"b":"x","c":[true,null,{"d":2.5}],"e":{}})");
}
