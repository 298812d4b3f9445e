// Unit tests of io/cli_args: argv pre-splitting, --version, seconds shorthand, misplaced options.
#include <catch2/catch.hpp>

#include <set>

#include "core/version.hpp"
#include "io/cli_args.hpp"

using namespace ac;

namespace {

split_args_result split(std::vector<std::string> args) {
  static const std::set<std::string, std::less<>> known = {
    "json", "ttl", "timeout", "node", "clients", "tls.enabled", "help"};
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

TEST_CASE(
  "the option --version is found before a bare -- and names the program and CMake's version",
  "[cli][version]") {
  CHECK(asks_for_version({"--node=a:1", "--version"}));
  CHECK_FALSE(asks_for_version({"put", "--", "--version"}));
  CHECK_FALSE(asks_for_version({"get", "k"}));
  CHECK(version_line("actorcache-sim") == std::string{"actorcache-sim "} + version);
  CHECK(std::string{version}.find('.') != std::string::npos);
}

TEST_CASE("an option another command takes is named as not applying, common options pass",
          "[cli][options]") {
  command_options table = {{"get", {"json", "raw"}},
                           {"members", {"json", "watch"}},
                           {"stats", {"json", "all", "watch"}},
                           {"flush", {}}};
  CHECK(misplaced_option(table, "get", {"timeout", "json", "raw"}).empty());
  CHECK(misplaced_option(table, "members", {"all"})
        == "--all does not apply to 'members' (it takes: --json --watch)");
  CHECK(misplaced_option(table, "flush", {"json"})
        == "--json does not apply to 'flush' (it takes no options of its own)");
  CHECK(misplaced_option(table, "stats", {"node", "tls.enabled", "all"}).empty());
}

TEST_CASE("the pre-split keeps the names of the options it passes on", "[cli][options]") {
  auto r = split_args({"get", "--json", "--timeout=2", "k"}, [](std::string_view) { return true; });
  CHECK(r.names == std::vector<std::string>{"json", "timeout"});
}

TEST_CASE("a boolean option takes true or false after '=', as a flag or taken out to be stored",
          "[tools][cli]") {
  auto is_flag = [](std::string_view n) { return n == "json" || n == "warming.predictive"; };
  auto r = boolean_values(
    {"--json=true", "--warming.predictive=false", "--ttl=5", "--json", "put", "--", "--json=false"},
    is_flag);
  CHECK(r.error.empty());
  // true is the bare flag; false is gone from the arguments; other options and everything
  // after -- are left as they were.
  CHECK(r.args
        == std::vector<std::string>{"--json", "--ttl=5", "--json", "put", "--", "--json=false"});
  CHECK(r.falses == std::vector<std::string>{"warming.predictive"});
  for (auto v : {"yes", "On", "1"})
    CHECK(boolean_values({std::string{"--json="} + v}, is_flag).args
          == std::vector<std::string>{"--json"});
  for (auto v : {"no", "OFF", "0"})
    CHECK(boolean_values({std::string{"--json="} + v}, is_flag).falses
          == std::vector<std::string>{"json"});
  CHECK(boolean_values({"--json=maybe"}, is_flag).error == "--json is true or false, not 'maybe'");
}
