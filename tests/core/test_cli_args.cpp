// Unit tests of the tools' pure helpers (moved from the process label: they start no process): argv pre-splitting, HOST:PORT parsing, the JSON writer.
#include <catch2/catch.hpp>

#include <set>

#include "core/cli_args.hpp"
#include "core/json_writer.hpp"

using namespace ac;

namespace {

split_args_result split(std::vector<std::string> args) {
  static const std::set<std::string, std::less<>> known = {"json", "ttl", "timeout", "clients",
                                                           "tls.enabled", "help"};
  return split_args(args, [](std::string_view n) { return known.count(n) > 0; });
}

} // namespace

TEST_CASE("options after the command words are still options", "[tools][cli]") {
  auto r = split({"--node=127.0.0.1:7101", "put", "k", "v", "--ttl=5", "--json"});
  CHECK(r.options == std::vector<std::string>{"--ttl=5", "--json"});
  CHECK(r.positionals == std::vector<std::string>{"put", "k", "v"});
  CHECK(r.nodes == std::vector<std::string>{"127.0.0.1:7101"});
  CHECK(r.unknown.empty());
}

TEST_CASE("the node option repeats and splits comma lists", "[tools][cli]") {
  auto r = split({"--node=a:1", "load", "--node=b:2,c:3", "--clients=4"});
  CHECK(r.nodes == std::vector<std::string>{"a:1", "b:2", "c:3"});
  CHECK(r.options == std::vector<std::string>{"--clients=4"});
  CHECK(r.positionals == std::vector<std::string>{"load"});
}

TEST_CASE("an unknown option is named", "[tools][cli]") {
  auto r = split({"get", "--bogus=1", "k", "--also-bad"});
  CHECK(r.unknown == "--bogus");
  CHECK(r.positionals == std::vector<std::string>{"get", "k"});
}

TEST_CASE("after -- everything is positional, dashes included", "[tools][cli]") {
  auto r = split({"put", "--", "--weird-key", "-v", "--json"});
  CHECK(r.positionals == std::vector<std::string>{"put", "--weird-key", "-v", "--json"});
  CHECK(r.options.empty());
  CHECK(r.unknown.empty());
}

TEST_CASE("single dashes and negative numbers are positional; -h asks for help", "[tools][cli]") {
  auto r = split({"-h", "get", "-5", "-"});
  CHECK(r.options == std::vector<std::string>{"--help"});
  CHECK(r.positionals == std::vector<std::string>{"get", "-5", "-"});
}

TEST_CASE("a bare --timeout number means seconds", "[tools][cli]") {
  CHECK(normalize_seconds("2") == "2000ms");
  CHECK(normalize_seconds("0.25") == "250ms");
  CHECK(normalize_seconds("500ms") == "500ms");
  CHECK(normalize_seconds("3s") == "3s");
  auto r = split({"--timeout=1.5", "get", "k"});
  CHECK(r.options == std::vector<std::string>{"--timeout=1500ms"});
}

TEST_CASE("HOST:PORT parses, bad ports are refused", "[tools][cli]") {
  auto a = parse_host_port("127.0.0.1:7101");
  REQUIRE(a);
  CHECK(a->host == "127.0.0.1");
  CHECK(a->port == 7101);
  CHECK(a->str() == "127.0.0.1:7101");
  auto v6 = parse_host_port("[::1]:80");
  REQUIRE(v6);
  CHECK(v6->host == "::1");
  CHECK(v6->str() == "[::1]:80");
  CHECK_FALSE(parse_host_port("localhost"));
  CHECK_FALSE(parse_host_port(":7101"));
  CHECK_FALSE(parse_host_port("h:"));
  CHECK_FALSE(parse_host_port("h:0"));
  CHECK_FALSE(parse_host_port("h:65536"));
  CHECK_FALSE(parse_host_port("h:12x"));
}

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
