// A real node under load while its Redis dies and comes back: no lookup fails, values stay right.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include <future>

#include "tests/support/node_process.hpp"
#include "tests/support/redis_server.hpp"

using namespace ac::test;
using json = nlohmann::json;
using namespace std::chrono_literals;

TEST_CASE("a Redis restart during load fails no lookup and serves no wrong value",
          "[redis][fault][process]") {
  REQUIRE(redis_server::installed());
  redis_server redis;
  temp_dir dir{"ac-redis-restart"};
  node_process node{"r1",
                    // l1-when-down: puts during the outage are acknowledged from L1 (with the
                    // default, sync, they would be refused: see test_miss_path_redis.cpp)
                    {"--redis.enabled", "--redis.port=" + std::to_string(redis.port()),
                     "--redis.timeout=100ms", "--redis.write-policy=l1-when-down"},
                    dir.path()};
  REQUIRE(node.start());
  auto client = program_path("actorcache-client");
  auto console = program_path("actorcache-console");
  // --verify: puts store a value derived from the key and every get checks what it reads (no
  // loader: a value can only come from a put, through L1 or L2).
  auto load = std::async(std::launch::async, [&] {
    return run_tool({client, "--node=" + node.address(), "load", "--clients=8", "--window=4",
                     "--requests=60000", "--keys=5000", "--get-ratio=0.8", "--verify", "--json"},
                    180s);
  });
  auto requests_seen = [&] {
    auto s = run_tool({console, "--node=" + node.address(), "stats", "--json"}, 10s);
    if (s.exit_code != 0)
      return 0.0;
    auto n = json::parse(s.out)["node"];
    return n["hits"].get<double>() + n["misses"].get<double>();
  };
  REQUIRE(wait_until([&] { return requests_seen() > 2000; }, 30s));
  redis.kill();
  auto down_at = requests_seen();
  REQUIRE(wait_until([&] { return requests_seen() > down_at + 3000; }, 30s)); // load goes on
  redis.restart();
  auto done = load.get();
  INFO(done.out);
  REQUIRE(done.exit_code == 0);
  auto r = json::parse(done.out);
  CHECK(r["requests"].get<int64_t>() == 60000);
  CHECK(r["ok"].get<int64_t>() == 60000);
  CHECK(r["errors"].get<int64_t>() == 0);
  CHECK(r["wrong"].get<int64_t>() == 0);
  auto stats = run_tool({console, "--node=" + node.address(), "stats", "--json"}, 10s);
  REQUIRE(stats.exit_code == 0);
  auto n = json::parse(stats.out)["node"];
  CHECK(n["l2"]["errors"].get<double>() >= 1); // Redis really was gone for part of the load
  CHECK(node.terminate() == std::optional<int>{0});
}
