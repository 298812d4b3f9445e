// Process tests of actorcache-client and -console against a real actorcache-node on loopback.
#include <catch2/catch.hpp>

#include "tests/support/tool_node.hpp"

namespace {

using namespace std::chrono_literals;
using ac::test::program_path;

// Every tool run is bounded, so a hung tool fails its check instead of hanging the binary.
ac::test::shell_result run(const std::string& cmd) { return ac::test::run_shell(cmd, 30s); }

// One node on an ephemeral port, killed at the end of the test; a node that does not start
// fails the test.
struct node_fixture : ac::test::tool_node {
  node_fixture() : tool_node("tools") { REQUIRE(start()); }
};

} // namespace

TEST_CASE("client put, get, miss, mget and del keep the exit-code contract", "[tools][process]") {
  node_fixture f;
  CHECK(run(f.client("put greeting 'hello world'")).out == "OK\n");
  auto hit = run(f.client("get greeting"));
  CHECK(hit.rc == 0);
  CHECK(hit.out == "hello world\n");
  CHECK(run(f.client("get absent-key")).rc == 1);
  CHECK(run(f.client("mget greeting absent-key greeting")).out == "hello world\n\nhello world\n");
  CHECK(run(f.client("get --timeout=2 greeting")).rc == 0); // options after the command
  CHECK(run(f.client("del greeting")).out == "1\n");
  CHECK(run(f.client("del greeting")).out == "0\n");
  CHECK(run(f.client("get " + std::string(600, 'k'))).rc == 2);
}

TEST_CASE("client load --json reports every request answered", "[tools][process]") {
  node_fixture f;
  auto r = run(f.client("load --clients=4 --window=2 --requests=2000 --keys=100 --json"));
  CHECK(r.rc == 0);
  for (auto key : {"\"requests\":2000", "\"ok\":2000", "\"errors\":0",
                   "\"p50_us\":", "\"p999_us\":", "\"ops_per_s\":", "\"hits\":", "\"misses\":"})
    CHECK(r.out.find(key) != std::string::npos);
  auto b = run(f.client("load --batch=8 --requests=200 --get-ratio=1 --json"));
  CHECK(b.rc == 0);
  CHECK(b.out.find("\"keys\":1600") != std::string::npos);
}

TEST_CASE("console stats and members --json have the promised shape", "[tools][process]") {
  node_fixture f;
  run(f.client("load --requests=500 --json"));
  auto s = run(f.console("stats --json"));
  CHECK(s.rc == 0);
  for (auto key :
       {"{\"node\":{\"id\":", "\"hit_rate\":", "\"computes\":", "\"l2\":{\"hits\":", "\"breaker\":",
        "\"sizing\":{\"memory_factor\":", "\"actors\":[", "\"kind\":\"shard\"",
        "\"mailbox\":", "\"handled\":", "\"recommendations\":[", "\"hot_keys\":["})
    CHECK(s.out.find(key) != std::string::npos);
  auto m = run(f.console("members --json"));
  CHECK(m.rc == 0);
  CHECK(m.out.find("\"state\":\"alive\"") != std::string::npos);
  CHECK(run(f.console("stats")).rc == 0);
  auto all = run(f.console("stats --all --json"));
  CHECK(all.out.rfind("{\"nodes\":[{\"node\":", 0) == 0);
}

TEST_CASE("tools refuse unknown options and unreachable or frozen nodes with exit 2",
          "[tools][process]") {
  REQUIRE(ac::test::missing_programs({"actorcache-client", "actorcache-console"}).empty());
  auto port = std::to_string(ac::test::free_port());
  CHECK(run(program_path("actorcache-client") + " --node=127.0.0.1:" + port + " --bogus get k").rc
        == 2);
  CHECK(run(program_path("actorcache-client") + " --node=127.0.0.1:" + port + " get k").rc == 2);
  CHECK(run(program_path("actorcache-console") + " --node=127.0.0.1:" + port + " stats").rc == 2);
  node_fixture f;
  f.node.freeze();
  auto t0 = std::chrono::steady_clock::now();
  CHECK(run(f.client("--timeout=1 get k")).rc == 2);
  CHECK(std::chrono::steady_clock::now() - t0 < 5s);
  f.node.thaw();
}
