// Operator-facing behaviour of a real node process: idle HTTP connections, SIGHUP reload, sizing interval and log lines.
#include <catch2/catch.hpp>

#include <iostream>

#include <csignal>
#include <fstream>
#include <sstream>

#include "tests/support/child_process.hpp"
#include "tests/support/node_process.hpp"
#include "tests/support/raw_socket.hpp"
#include "tests/support/tool_run.hpp"

using namespace ac::test;
using namespace std::chrono_literals;

namespace {

std::string read_file(const std::string& path) {
  std::ifstream f{path};
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

size_t count_of(const std::string& text, const std::string& needle) {
  size_t n = 0;
  for (auto pos = text.find(needle); pos != std::string::npos; pos = text.find(needle, pos + 1))
    ++n;
  return n;
}

/// One GET over a fresh connection; the status line and body, or "" on failure.
std::string http_get(uint16_t port, const std::string& path, std::chrono::milliseconds timeout) {
  auto r = run_tool({"curl", "-s", "-i", "--max-time", std::to_string(timeout.count() / 1000.0),
                     "http://127.0.0.1:" + std::to_string(port) + path},
                    timeout + 2s);
  return r.exit_code == 0 ? r.out : std::string{};
}

} // namespace

TEST_CASE("Two hundred idle HTTP connections do not delay /metrics", "[ops][http][process]") {
  REQUIRE(executable_exists("curl"));
  temp_dir dir{"ac-ops-http"};
  auto mport = free_port();
  node_process node{"h1", {"--metrics.http-port=" + std::to_string(mport)}, dir.path()};
  REQUIRE(node.start());
  REQUIRE(wait_for_port(mport, 10s));
  // Idle keep-alive connections: connected, nothing sent (as a browser's pre-connects are).
  std::vector<int> idle;
  for (int i = 0; i < 200; ++i) {
    int fd = connect_to(mport);
    REQUIRE(fd >= 0);
    idle.push_back(fd);
  }
  // Before the fix the 9th connection waited for a keep-alive timeout (5 s) per 8 idle ones.
  auto start = std::chrono::steady_clock::now();
  auto reply = http_get(mport, "/metrics", 10s);
  auto took =
    std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
  for (int fd : idle)
    ::close(fd);
  INFO("GET /metrics with 200 idle connections took " << took.count() << " ms");
  CHECK(reply.rfind("HTTP/1.1 200", 0) == 0);
  CHECK(reply.find("actorcache_lookups_total") != std::string::npos);
  CHECK(took < 2s);
  WARN("GET /metrics with 200 idle connections open: " << took.count() << " ms");
  CHECK(node.terminate() == std::optional<int>{0});
}

TEST_CASE("sizing.interval=0s is refused with a message naming the option",
          "[ops][sizing][process]") {
  temp_dir dir{"ac-ops-interval"};
  auto r = run_tool(
    {program_path("actorcache-node"), "--node.port=0", "--resp.port=0", "--sizing.interval=0s"},
    20s, dir.path() + "/err.txt");
  CHECK(r.exit_code == 2);
  CHECK(read_file(dir.path() + "/err.txt").find("sizing.interval: must be at least 100ms")
        != std::string::npos);
}

TEST_CASE("An unchanged sizing decision is logged at debug, not at info every interval",
          "[ops][sizing][process]") {
  temp_dir dir{"ac-ops-sizing-log"};
  // cpu-target 100: whatever the machine's load, the capacity stays at cache.max-bytes, so
  // every decision after the first is unchanged.
  node_process node{
    "s1", {"--sizing.interval=100ms", "--sizing.cpu-target=100", "--log.level=debug"}, dir.path()};
  REQUIRE(node.start());
  // Ten unchanged decisions have been taken once ten debug lines are there.
  REQUIRE(
    wait_until([&] { return count_of(read_file(node.log_file()), " debug sizing: ") >= 10; }, 20s));
  auto log = read_file(node.log_file());
  INFO(log);
  CHECK(count_of(log, " info sizing: ") <= 1); // the first decision, at start
  CHECK(node.terminate() == std::optional<int>{0});
}

// Long on purpose: one reload scenario (start, edit the file, SIGHUP, each setting checked, the
// node still a member), each step depending on the one before.
TEST_CASE("SIGHUP reloads the log level and sizing, and the node stays a member that answers",
          "[ops][sighup][process]") {
  temp_dir dir{"ac-ops-sighup"};
  auto ini = dir.path() + "/node.ini";
  auto write_ini = [&](const std::string& level, const std::string& interval) {
    std::ofstream{ini} << "[log]\nlevel=\"" << level << "\"\n[sizing]\ninterval=" << interval
                       << "\ncpu-target=100\n";
  };
  write_ini("info", "5s");
  node_process n1{"r1", {"--config-file=" + ini}, dir.path()};
  REQUIRE(n1.start());
  node_process n2{"r2", {n1.seed_option()}, dir.path()};
  REQUIRE(n2.start());
  auto both_alive = [&] {
    auto m = n2.console({"members"});
    return m.exit_code == 0 && count_of(m.out, "alive") >= 2;
  };
  REQUIRE(wait_until(both_alive, 20s));

  write_ini("debug", "200ms");
  REQUIRE(n1.send_signal(SIGHUP));
  REQUIRE(wait_for_text(n1.log_file(),
                        "SIGHUP: config reloaded; log.level info -> debug, "
                        "sizing.interval 5000ms -> 200ms",
                        10s));
  // The new level and interval act: unchanged sizing decisions now show, at debug, every 200 ms.
  REQUIRE(
    wait_until([&] { return count_of(read_file(n1.log_file()), " debug sizing: ") >= 3; }, 15s));
  CHECK(n1.alive());
  CHECK(n1.client({"put", "k", "v"}).exit_code == 0);
  auto got = n2.client({"get", "k"});
  CHECK(got.exit_code == 0);
  CHECK(got.out == "v\n");
  CHECK(both_alive());

  // Each sizing rule is switched off by a reload too, and stats say so from the next tick on.
  std::ofstream{ini} << "[log]\nlevel=\"debug\"\n[sizing]\ninterval=200ms\ncpu-target=100\n"
                        "cpu-rule=false\nmemory-rule=false\n";
  REQUIRE(n1.send_signal(SIGHUP));
  REQUIRE(wait_for_text(n1.log_file(),
                        "sizing.memory-rule true -> false, sizing.cpu-rule true -> false", 10s));
  REQUIRE(wait_until(
    [&] {
      auto st = n1.console({"stats", "--json"});
      return st.exit_code == 0 && st.out.find("\"memory\":{\"enabled\":false") != std::string::npos
             && st.out.find("\"cpu\":{\"enabled\":false") != std::string::npos;
    },
    10s));

  // Recommendation thresholds reload too: with the usage thresholds near zero, the few bytes
  // this node holds are "near capacity", and the log names the change.
  std::ofstream{ini} << "[log]\nlevel=\"debug\"\n[sizing]\ninterval=200ms\ncpu-target=100\n"
                        "cpu-rule=false\nmemory-rule=false\n[recommendations]\nlow-usage=0\n"
                        "warn-usage=0.00000001\nhigh-usage=0.00000002\n";
  REQUIRE(n1.send_signal(SIGHUP));
  REQUIRE(wait_for_text(n1.log_file(), "recommendations.high-usage 0.9 -> 2e-08", 10s));
  for (int i = 0; i < 20; ++i) // some of them are n1's own keys, whatever the ring says
    n1.client({"put", "usage-" + std::to_string(i), "v"});
  std::string advice;
  CHECK(wait_until(
    [&] {
      auto r = n1.console({"recommendations"});
      advice = r.out;
      return r.exit_code == 0 && r.out.find("near capacity") != std::string::npos;
    },
    10s));
  if (advice.find("near capacity") == std::string::npos)
    std::cerr << "recommendations after the reload: " << advice << "\n";

  // A broken file changes nothing and ends nothing.
  std::ofstream{ini} << "[log]\nlevel=\"loud\"\n";
  REQUIRE(n1.send_signal(SIGHUP));
  REQUIRE(wait_for_text(n1.log_file(), "SIGHUP: config not reloaded", 10s));
  CHECK(n1.alive());
  CHECK(n1.client({"get", "k"}).exit_code == 0);

  CHECK(n2.terminate() == std::optional<int>{0});
  CHECK(n1.terminate() == std::optional<int>{0});
}
