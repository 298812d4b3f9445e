// Process tests of redis.write-policy=l1-when-down: actorcache-client says when a put is stored in L1 only.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "tests/support/redis_server.hpp"
#include "tests/support/tool_run.hpp"

using namespace ac::test;
using json = nlohmann::json;
using namespace std::chrono_literals;

namespace {

/// A node with a real Redis as L2 under l1-when-down, and the client run against it with its
/// stderr kept (the L1-only warning goes there).
struct l1_only_node {
  explicit l1_only_node(uint16_t redis_port)
    : node{
      "l1only",
      {"--redis.enabled", "--redis.port=" + std::to_string(redis_port), "--redis.timeout=100ms",
       "--redis.write-policy=l1-when-down", "--metrics.interval=100ms"},
      dir.path()} {}

  /// actorcache-client `args` against the node; `err` gets what this run wrote to stderr.
  tool_result client(const std::vector<std::string>& args, std::string& err) {
    std::vector<std::string> argv{program_path("actorcache-client"), "--node=" + node.address(),
                                  "--timeout=5"};
    argv.insert(argv.end(), args.begin(), args.end());
    auto file = dir.path() + "/client-" + std::to_string(++runs) + ".err";
    auto r = run_tool(argv, 20s, file);
    err = slurp(file);
    return r;
  }

  /// The node's INFO stats line `name` over RESP, or -1.
  long long info(const std::string& name) {
    auto r = run_tool({"redis-cli", "-p", std::to_string(node.resp_port()), "INFO", "stats"}, 10s);
    auto at = r.out.find(name + ":");
    return at == std::string::npos ? -1 : std::atoll(r.out.c_str() + at + name.size() + 1);
  }

  temp_dir dir{"ac-l1-only-test"};
  node_process node; // declared after dir: killed first
  int runs = 0;
};

/// The programs the tests need, missing ones named ("" when all are there).
std::string missing_tools() {
  return ac::test::missing_programs(
    {"actorcache-node", "actorcache-client", "redis-server", "redis-cli"});
}

} // namespace

TEST_CASE(
  "actorcache-client put prints OK with Redis up and warns that the value is in L1 only with Redis down",
  "[redis][write-through][fault][process]") {
  REQUIRE(missing_tools().empty());
  redis_server redis;
  l1_only_node n{redis.port()};
  REQUIRE(n.node.start());
  std::string err;

  // Redis up: a plain, durable acknowledgement.
  auto up = n.client({"put", "durable-key", "v1"}, err);
  CHECK(up.exit_code == 0);
  CHECK(up.out == "OK\n");
  CHECK(err.find("L1 only") == std::string::npos);
  auto up_json = n.client({"put", "durable-key", "v1", "--json"}, err);
  REQUIRE(up_json.exit_code == 0);
  CHECK(json::parse(up_json.out)["l1_only"] == false);

  redis.kill();
  // Redis down: still stored and exit 0, but the client says it is in L1 only.
  auto down = n.client({"put", "l1-key", "v2"}, err);
  CAPTURE(err);
  CHECK(down.exit_code == 0);
  CHECK(down.out == "OK\n");
  CHECK(err.find("L1 only") != std::string::npos);
  CHECK(err.find("not durable") != std::string::npos);
  auto down_json = n.client({"put", "l1-key-2", "v3", "--json"}, err);
  REQUIRE(down_json.exit_code == 0);
  auto j = json::parse(down_json.out);
  CHECK(j["stored"] == true);
  CHECK(j["l1_only"] == true);
  auto got = n.client({"get", "l1-key"}, err);
  CHECK(got.exit_code == 0);
  CHECK(got.out == "v2\n");

  // A delete Redis cannot take is remembered and counted; INFO shows both counters.
  auto del = n.client({"del", "durable-key"}, err);
  CHECK(del.exit_code == 0);
  CHECK(del.out == "1\n");
  CHECK(wait_until([&] { return n.info("actorcache_l1_only_puts") >= 2; }, 10s));
  CHECK(wait_until([&] { return n.info("actorcache_l1_only_deletes") >= 1; }, 10s));
  CHECK(n.info("actorcache_pending_deletes") >= 1);
}
