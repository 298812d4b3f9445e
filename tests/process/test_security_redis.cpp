// Process tests of Redis AUTH end to end: the right password reaches L2, a wrong one degrades to the loader, neither leaks.
#include <catch2/catch.hpp>

#include <chrono>
#include <memory>

#include "tests/support/redis_server.hpp"
#include "tests/support/tool_run.hpp"

namespace {

using namespace ac::test;
using namespace std::chrono_literals;

/// Runs a shell command line, bounded at 20 s; its stderr lands in `dir` and in err.
shell_result run(const temp_dir& dir, const std::string& cmd) {
  return ac::test::run_shell(cmd, 20s, dir.path() + "/stderr.txt");
}

/// One node with Redis as L2 and the synthetic loader, logging at debug; killed by PID at the end.
struct auth_node {
  temp_dir dir{"ac-redis-auth-test"};
  uint16_t port = ac::test::free_port();
  std::unique_ptr<child_process> proc;
  std::string addr = "--node=127.0.0.1:" + std::to_string(port);

  auth_node(uint16_t redis_port, const std::string& password) {
    std::vector<std::string> args{"--node.host=127.0.0.1",
                                  "--node.port=" + std::to_string(port),
                                  "--redis.enabled",
                                  "--redis.port=" + std::to_string(redis_port),
                                  "--redis.password=" + password,
                                  "--loader.kind=synthetic",
                                  "--loader.value-size=32",
                                  "--metrics.interval=100ms",
                                  "--log.level=debug"};
    proc = std::make_unique<child_process>(program_path("actorcache-node"), args, log());
  }
  ~auth_node() { proc.reset(); }
  std::string log() const { return dir.path() + "/node.log"; }
  bool listening() { return ac::test::wait_for_port(port, 10s) && proc->alive(); }
  shell_result client(const std::string& args) {
    return run(dir, program_path("actorcache-client") + " " + addr + " " + args);
  }
  shell_result console(const std::string& args) {
    return run(dir, program_path("actorcache-console") + " " + addr + " " + args);
  }
};

/// The programs the tests need, missing ones named ("" when all are there).
std::string missing_tools() {
  return ac::test::missing_programs(
    {"actorcache-node", "actorcache-client", "actorcache-console", "redis-server", "redis-cli"});
}

const std::string password = "pw-7f3a9c-do-not-leak";

} // namespace

TEST_CASE(
  "a node with the right Redis password computes, writes to L2 and never shows the password",
  "[security][redis][process]") {
  REQUIRE(missing_tools().empty());
  ac::test::redis_server redis{password};
  temp_dir d{"ac-redis-auth-test"};
  auto cli = "redis-cli -h 127.0.0.1 -p " + std::to_string(redis.port()) + " -a " + password
             + " --no-auth-warning ";
  // The server really requires the password.
  CHECK(run(d, "redis-cli -h 127.0.0.1 -p " + std::to_string(redis.port()) + " SET probe 1")
          .out.find("NOAUTH")
        != std::string::npos);

  auth_node node{redis.port(), password};
  REQUIRE(node.listening());
  auto computed = node.client("get auth-key-1");
  CHECK(computed.rc == 0);
  CHECK(computed.out.size() > 1);
  // The computed value is written through to L2 under the key prefix.
  CHECK(
    ac::test::wait_until([&] { return run(d, cli + "EXISTS ac:auth-key-1").out == "1\n"; }, 10s));
  CHECK(node.client("put auth-key-2 v2").rc == 0);

  // A second node with an empty L1 reads the value back from L2 (AUTH on the read path too).
  auth_node reader{redis.port(), password};
  REQUIRE(reader.listening());
  auto from_l2 = reader.client("get auth-key-1");
  CHECK(from_l2.rc == 0);
  CHECK(from_l2.out == computed.out);
  long long l2_hits = -1;
  ac::test::wait_until(
    [&] { return (l2_hits = json_int(reader.console("stats --json").out, "hits", "l2")) >= 1; },
    10s);
  CHECK(l2_hits >= 1);

  // Nothing the node prints or reports contains the password.
  auto stats = node.console("stats --json");
  CHECK(stats.rc == 0);
  CHECK(stats.out.find(password) == std::string::npos);
  CHECK(json_int(stats.out, "errors", "l2") == 0);
  for (auto cmd : {"stats", "stats --all --json", "members --json"}) {
    auto r = node.console(cmd);
    CAPTURE(cmd);
    CHECK(r.rc == 0);
    CHECK((r.out + r.err).find(password) == std::string::npos);
  }
  node.proc->terminate(); // the shutdown path logs as well
  CHECK(node.proc->wait_exit(15s) == std::optional<int>{0});
  auto log = slurp(node.log());
  CHECK(log.find("debug") != std::string::npos); // the log really was at debug level
  CHECK(log.find(password) == std::string::npos);
  CHECK(slurp(reader.log()).find(password) == std::string::npos);
}

TEST_CASE("a node with a wrong Redis password still serves through the loader and counts L2 errors",
          "[security][redis][process]") {
  REQUIRE(missing_tools().empty());
  ac::test::redis_server redis{password};
  const std::string wrong = "wrong-pw-b81e-do-not-leak";
  auth_node node{redis.port(), wrong};
  REQUIRE(node.listening());
  for (int i = 0; i < 5; ++i) {
    auto r = node.client("get wrong-pw-key-" + std::to_string(i));
    CAPTURE(i, r.err);
    CHECK(r.rc == 0);
    CHECK(r.out.size() > 1);
  }
  // redis.write-policy=sync: a put Redis cannot take is refused, and nothing is stored.
  auto put = node.client("put wrong-pw-put v");
  CHECK(put.rc == 2);
  CHECK(put.err.find("unavailable") != std::string::npos);
  CHECK(node.client("get wrong-pw-put").out != "v\n");
  long long errors = -1;
  std::string stats;
  ac::test::wait_until(
    [&] {
      stats = node.console("stats --json").out;
      return (errors = json_int(stats, "errors", "l2")) >= 1;
    },
    10s);
  CAPTURE(stats);
  CHECK(errors >= 1);
  CHECK(stats.find(wrong) == std::string::npos);
  CHECK(node.proc->alive());
  // Nothing reached Redis, and the log names the failure without the password.
  temp_dir d{"ac-redis-auth-test"};
  CHECK(run(d, "redis-cli -h 127.0.0.1 -p " + std::to_string(redis.port()) + " -a " + password
                 + " --no-auth-warning DBSIZE")
          .out
        == "0\n");
  auto log = slurp(node.log());
  CHECK(log.find("AUTH failed") != std::string::npos);
  CHECK(log.find(wrong) == std::string::npos);
  CHECK(log.find(password) == std::string::npos);
}
