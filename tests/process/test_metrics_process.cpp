// A real node under load: /metrics scraped mid-load parses with promtool and agrees with stats --json.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include <fstream>
#include <future>

#include "tests/support/child_process.hpp"
#include "tests/support/node_process.hpp"

using namespace ac::test;
using json = nlohmann::json;
using namespace std::chrono_literals;

namespace {

/// The value of one sample line `name{...labels...} value` whose labels contain `label`.
double sample(const std::string& text, const std::string& name, const std::string& label) {
  std::istringstream in{text};
  std::string line;
  while (std::getline(in, line))
    if (line.rfind(name + "{", 0) == 0 && line.find(label) != std::string::npos)
      return std::stod(line.substr(line.rfind(' ') + 1));
  return -1;
}

std::string scrape(uint16_t port) {
  auto r = run_tool(
    {"curl", "-sf", "--max-time", "5", "http://127.0.0.1:" + std::to_string(port) + "/metrics"},
    10s);
  return r.exit_code == 0 ? r.out : std::string{};
}

} // namespace

TEST_CASE("/metrics scraped during a load passes promtool and agrees with stats",
          "[metrics][process]") {
  REQUIRE(executable_exists("curl"));
  temp_dir dir{"ac-metrics-test"};
  auto mport = free_port();
  node_process node{"m1", {"--metrics.http-port=" + std::to_string(mport)}, dir.path()};
  REQUIRE(node.start());
  auto client = program_path("actorcache-client");
  auto console = program_path("actorcache-console");
  // Scrape while a load runs in the background.
  auto load = std::async(std::launch::async, [&] {
    return run_tool({client, "--node=" + node.address(), "load", "--clients=4", "--window=4",
                     "--requests=40000", "--keys=1000", "--get-ratio=0.7", "--json"},
                    120s);
  });
  std::string mid;
  REQUIRE(wait_until(
    [&] {
      mid = scrape(mport);
      return sample(mid, "actorcache_lookups_total", "hit") > 0;
    },
    30s));
  if (executable_exists("promtool")) {
    auto path = dir.path() + "/mid.txt";
    std::ofstream{path} << mid;
    CHECK(run_tool({"sh", "-c", "promtool check metrics < " + path}, 20s).exit_code == 0);
  }
  auto done = load.get();
  REQUIRE(done.exit_code == 0);
  // Quiet now: the counters of both views must be equal.
  auto stats = run_tool({console, "--node=" + node.address(), "stats", "--json"}, 20s);
  REQUIRE(stats.exit_code == 0);
  auto after = scrape(mport);
  auto n = json::parse(stats.out)["node"];
  CHECK(sample(after, "actorcache_lookups_total", "result=\"hit\"") == n["hits"].get<double>());
  CHECK(sample(after, "actorcache_lookups_total", "result=\"miss\"") == n["misses"].get<double>());
  CHECK(sample(after, "actorcache_entries", "node=") == n["entries"].get<double>());
  CHECK(n["hits"].get<double>() + n["misses"].get<double>() >= 28000 * 0.9);
  CHECK(node.terminate() == std::optional<int>{0});
}

TEST_CASE(
  "every error reply a node sends, CAF and RESP, is counted once in stats, INFO and /metrics",
  "[metrics][process][errors]") {
  REQUIRE(executable_exists("curl"));
  REQUIRE(executable_exists("redis-cli"));
  temp_dir dir{"ac-errors-test"};
  auto mport = free_port();
  node_process node{"e1",
                    {"--metrics.http-port=" + std::to_string(mport), "--loader.kind=\"synthetic\"",
                     "--loader.fail-prefix=\"bad:\"", "--loader.negative-ttl=10s"},
                    dir.path()};
  REQUIRE(node.start());
  auto client = program_path("actorcache-client");
  auto console = program_path("actorcache-console");
  // 30 failing GETs on the RESP port, most of them answered from the negative cache (one
  // compute failed): each is an error reply a client saw.
  const int resp_n = 30, caf_n = 5;
  std::string script;
  for (int i = 0; i < resp_n; ++i)
    script += "GET bad:same\n";
  auto script_file = dir.path() + "/gets.txt";
  std::ofstream{script_file} << script;
  auto cli = run_tool(
    {"sh", "-c", "redis-cli -p " + std::to_string(node.resp_port()) + " < " + script_file}, 30s);
  REQUIRE(cli.exit_code == 0);
  size_t replies = 0;
  for (size_t at = 0; (at = cli.out.find("COMPUTEFAILED", at)) != std::string::npos; ++at)
    ++replies;
  REQUIRE(replies == static_cast<size_t>(resp_n));
  // 5 failing gets over CAF (the client's get command speaks CAF remoting).
  for (int i = 0; i < caf_n; ++i)
    REQUIRE(run_tool({client, "--node=" + node.address(), "get", "bad:same"}, 30s).exit_code == 2);
  const double want = resp_n + caf_n;
  auto stats = run_tool({console, "--node=" + node.address(), "stats", "--json"}, 30s);
  REQUIRE(stats.exit_code == 0);
  CHECK(json::parse(stats.out)["node"]["errors"].get<double>() == want);
  auto info = run_tool({"redis-cli", "-p", std::to_string(node.resp_port()), "INFO", "stats"}, 10s);
  CHECK(info.out.find("total_error_replies:" + std::to_string(resp_n + caf_n))
        != std::string::npos);
  auto text = scrape(mport);
  CHECK(sample(text, "actorcache_errors_total", "node=") == want);
}
