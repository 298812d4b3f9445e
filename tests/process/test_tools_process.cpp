// Process tests of actorcache-client and -console against a real actorcache-node on loopback.
#include <catch2/catch.hpp>

#include <cstdio>
#include <filesystem>

#include "tests/support/child_process.hpp"

namespace {

using namespace std::chrono_literals;

std::string bin(const std::string& name) {
  const char* dir = std::getenv("AC_BIN_DIR");
  return std::string{dir != nullptr ? dir : AC_BIN_DIR} + "/" + name;
}

struct tool_run {
  int rc = -1;
  std::string out;
};

// Runs a shell command line; stdout is captured, stderr discarded.
tool_run run(const std::string& cmd) {
  tool_run r;
  FILE* p = ::popen((cmd + " 2>/dev/null").c_str(), "r");
  if (p == nullptr)
    return r;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0)
    r.out.append(buf, n);
  int status = ::pclose(p);
  r.rc = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

// One node on a free port, killed at the end of the test.
struct node_fixture {
  std::string dir = [] {
    char tmpl[] = "/tmp/ac-tools-test.XXXXXX";
    return std::string{::mkdtemp(tmpl)};
  }();
  uint16_t port = ac::test::free_port();
  std::unique_ptr<ac::test::child_process> node;
  std::string addr;

  ~node_fixture() {
    node.reset();  // kills the node before its log goes
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }

  bool start() {
    if (!ac::test::executable_exists(bin("actorcache-node")))
      return false;
    node = std::make_unique<ac::test::child_process>(
      bin("actorcache-node"),
      std::vector<std::string>{"--node.port=" + std::to_string(port), "--node.host=127.0.0.1"},
      dir + "/node.log");
    addr = "--node=127.0.0.1:" + std::to_string(port);
    return ac::test::wait_for_port(port, 10s);
  }

  std::string client(const std::string& args) const {
    return bin("actorcache-client") + " " + addr + " " + args;
  }

  std::string console(const std::string& args) const {
    return bin("actorcache-console") + " " + addr + " " + args;
  }
};

} // namespace

TEST_CASE("client put, get, miss, mget and del keep the exit-code contract", "[tools][process]") {
  node_fixture f;
  if (!f.start()) {
    WARN("actorcache-node not built or not listening: skipped");
    return;
  }
  CHECK(run(f.client("put greeting 'hello world'")).out == "OK\n");
  auto hit = run(f.client("get greeting"));
  CHECK(hit.rc == 0);
  CHECK(hit.out == "hello world\n");
  CHECK(run(f.client("get absent-key")).rc == 1);
  CHECK(run(f.client("mget greeting absent-key greeting")).out == "hello world\n\nhello world\n");
  CHECK(run(f.client("get --timeout=2 greeting")).rc == 0);  // options after the command
  CHECK(run(f.client("del greeting")).out == "1\n");
  CHECK(run(f.client("del greeting")).out == "0\n");
  CHECK(run(f.client("get " + std::string(600, 'k'))).rc == 2);
}

TEST_CASE("client load --json reports every request answered", "[tools][process]") {
  node_fixture f;
  if (!f.start()) {
    WARN("actorcache-node not built or not listening: skipped");
    return;
  }
  auto r = run(f.client("load --clients=4 --window=2 --requests=2000 --keys=100 --json"));
  CHECK(r.rc == 0);
  for (auto key : {"\"requests\":2000", "\"ok\":2000", "\"errors\":0", "\"p50_us\":",
                   "\"p999_us\":", "\"ops_per_s\":", "\"hits\":", "\"misses\":"})
    CHECK(r.out.find(key) != std::string::npos);
  auto b = run(f.client("load --batch=8 --requests=200 --get-ratio=1 --json"));
  CHECK(b.rc == 0);
  CHECK(b.out.find("\"keys\":1600") != std::string::npos);
}

TEST_CASE("console stats and members --json have the promised shape", "[tools][process]") {
  node_fixture f;
  if (!f.start()) {
    WARN("actorcache-node not built or not listening: skipped");
    return;
  }
  run(f.client("load --requests=500 --json"));
  auto s = run(f.console("stats --json"));
  CHECK(s.rc == 0);
  for (auto key : {"{\"node\":{\"id\":", "\"hit_rate\":", "\"computes\":", "\"l2\":{\"hits\":",
                   "\"breaker\":", "\"sizing\":{\"memory_factor\":", "\"actors\":[",
                   "\"kind\":\"shard\"", "\"mailbox\":", "\"handled\":", "\"recommendations\":[",
                   "\"hot_keys\":["})
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
  if (!ac::test::executable_exists(bin("actorcache-client")))
    return;
  auto port = std::to_string(ac::test::free_port());
  CHECK(run(bin("actorcache-client") + " --node=127.0.0.1:" + port + " --bogus get k").rc == 2);
  CHECK(run(bin("actorcache-client") + " --node=127.0.0.1:" + port + " get k").rc == 2);
  CHECK(run(bin("actorcache-console") + " --node=127.0.0.1:" + port + " stats").rc == 2);
  node_fixture f;
  if (!f.start())
    return;
  f.node->send_signal(SIGSTOP);
  auto t0 = std::chrono::steady_clock::now();
  CHECK(run(f.client("--timeout=1 get k")).rc == 2);
  CHECK(std::chrono::steady_clock::now() - t0 < 5s);
  f.node->send_signal(SIGCONT);
}
