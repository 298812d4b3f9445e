// Process tests of the RESP edge's SCAN and FLUSHDB with redis-cli against a real node.
#include <catch2/catch.hpp>

#include <set>
#include <sstream>

#include "tests/support/tool_node.hpp"

namespace {

using namespace std::chrono_literals;
using ac::test::run_shell;

// redis-cli against the node's RESP port; a node or redis-cli that is missing fails the test.
struct resp_fixture {
  ac::test::tool_node t{"resp-scan"};
  uint16_t port = 0;
  resp_fixture() {
    REQUIRE(ac::test::executable_exists("redis-cli"));
    REQUIRE(t.start());
    port = t.node.resp_port();
    REQUIRE(port != 0);
  }
  ac::test::shell_result cli(const std::string& args) {
    return run_shell("redis-cli -p " + std::to_string(port) + " " + args, 20s);
  }
};

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in{text};
  for (std::string l; std::getline(in, l);)
    out.push_back(l);
  return out;
}

} // namespace

TEST_CASE("SCAN with MATCH and COUNT walks the node's keys by cursor until it is 0",
          "[process][resp][scan]") {
  resp_fixture f;
  for (int i = 0; i < 30; ++i)
    REQUIRE(f.cli("SET user:" + std::to_string(i) + " v").out == "OK\n");
  REQUIRE(f.cli("SET other v").out == "OK\n");
  std::set<std::string> seen;
  std::string cursor = "0";
  int pages = 0;
  do {
    auto r = f.cli("SCAN " + cursor + " MATCH 'user:*' COUNT 7");
    REQUIRE(r.rc == 0);
    auto l = lines(r.out);
    REQUIRE_FALSE(l.empty());
    cursor = l.front();
    seen.insert(l.begin() + 1, l.end());
    REQUIRE(++pages < 1000);
  } while (cursor != "0");
  seen.erase("");
  CHECK(seen.size() == 30);
  CHECK(seen.count("other") == 0);
  CHECK(f.cli("SCAN notanumber").out.rfind("ERR invalid cursor", 0) == 0);
  CHECK(f.cli("SCAN 0 BOGUS 1").out.rfind("ERR syntax error", 0) == 0);
}

TEST_CASE("FLUSHDB empties the node's L1", "[process][resp][flush]") {
  resp_fixture f;
  REQUIRE(f.cli("SET a 1").out == "OK\n");
  REQUIRE(f.cli("DBSIZE").out == "1\n");
  CHECK(f.cli("FLUSHDB").out == "OK\n");
  CHECK(f.cli("DBSIZE").out == "0\n");
  CHECK(f.cli("GET a").out == "\n");
  CHECK(f.cli("FLUSHDB NOW").out.rfind("ERR syntax error", 0) == 0);
}
