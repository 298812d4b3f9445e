// Unit tests of io/json: the documents the tools and the node write keep their shape under
// nlohmann.
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>

#include "io/json.hpp"

using namespace ac;

TEST_CASE("JSON strings escape quotes, backslashes and control characters", "[json]") {
  CHECK(dump_json(json_text("a\"b\\c\nd\te\x01")) == R"("a\"b\\c\nd\te\u0001")");
}

TEST_CASE("JSON strings keep valid UTF-8 and read invalid bytes as Latin-1 characters", "[json]") {
  auto j = json_text("caf\xc3\xa9 \xff\xc3");
  CHECK(dump_json(j) == "\"caf\xc3\xa9 \xc3\xbf\xc3\x83\"");
  // What a reader gets is what the hand-written writer's \u00ff \u00c3 escapes gave it.
  CHECK(json::parse(dump_json(j)) == json::parse(R"("caf\u00e9 \u00ff\u00c3")"));
  CHECK(json::parse(dump_json(json_text("\xed\xa0\x80")))
        == json::parse(R"("\u00ed\u00a0\u0080")"));
}

TEST_CASE("a string that skipped json_text is repaired, never thrown on", "[json]") {
  CHECK(dump_json(json(std::string("\xff"))) == "\"\xef\xbf\xbd\"");
}

TEST_CASE("JSON numbers: integral doubles print as integers, NaN and infinities as null",
          "[json]") {
  CHECK(dump_json(json_number(3.0)) == "3");
  CHECK(dump_json(json_number(-42.0)) == "-42");
  CHECK(dump_json(json_number(0.5)) == "0.5");
  CHECK(dump_json(json_number(0.1)) == "0.1");
  CHECK(dump_json(json_number(1e300)) == "1e+300");
  CHECK(dump_json(json_number(0.8426573426573427)) == "0.8426573426573427");
  CHECK(dump_json(json_number(std::nan(""))) == "null");
  CHECK(dump_json(json_number(std::numeric_limits<double>::infinity())) == "null");
}

TEST_CASE("objects keep the order fields were added in, and nest", "[json]") {
  json doc{{"b", 1}, {"a", "x"}};
  doc["c"] = json::array({true, nullptr, json{{"d", json_number(2.5)}}});
  doc["e"] = json::object();
  CHECK(dump_json(doc) == R"({"b":1,"a":"x","c":[true,null,{"d":2.5}],"e":{}})");
}
