// Process tests of the client's automatic get batching (load --auto-batch) against a real node.
#include <catch2/catch.hpp>

#include <cstdio>
#include <filesystem>
#include <regex>
#include <thread>

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

// The integer value of "name": in a load --json line, or -1 when it is missing.
long long field(const std::string& json, const std::string& name) {
  std::smatch m;
  if (!std::regex_search(json, m, std::regex("\"" + name + "\":(-?[0-9]+)")))
    return -1;
  return std::stoll(m[1].str());
}

// One node on a free port, killed at the end of the test.
struct node_fixture {
  std::string dir = [] {
    char tmpl[] = "/tmp/ac-autobatch-test.XXXXXX";
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
    if (!ac::test::executable_exists(bin("actorcache-node"))
        || !ac::test::executable_exists(bin("actorcache-client")))
      return false;
    node = std::make_unique<ac::test::child_process>(
      bin("actorcache-node"),
      std::vector<std::string>{"--node.port=" + std::to_string(port), "--node.host=127.0.0.1"},
      dir + "/node.log");
    addr = "--node=127.0.0.1:" + std::to_string(port);
    return ac::test::wait_for_port(port, 10s);
  }

  std::string client(const std::string& args) const {
    return bin("actorcache-client") + " " + addr + " --timeout=5 " + args;
  }
};

} // namespace

TEST_CASE("auto-batched gets each get the value of their own key, batched or not",
          "[tools][process][autobatch]") {
  node_fixture f;
  if (!f.start()) {
    WARN("actorcache-node or actorcache-client not built or not listening: skipped");
    return;
  }
  // Keys 0..299 hold values made from their key; 300..399 are absent.
  auto pre = run(f.client("load --verify --sequential --get-ratio=0 --keys=300 --requests=300 "
                          "--clients=4 --window=8 --key-prefix=vb- --json"));
  REQUIRE(pre.rc == 0);
  // Many gets in flight at once, so the batcher has many queued per mailbox turn.
  for (std::string ab : {"64", "7", "0"}) {
    INFO("--auto-batch=" << ab);
    auto r = run(f.client("load --verify --sequential --get-ratio=1 --keys=400 --requests=400 "
                          "--clients=4 --window=32 --key-prefix=vb- --json --auto-batch=" + ab));
    CHECK(r.rc == 0);
    CHECK(field(r.out, "ok") == 400);
    CHECK(field(r.out, "hits") == 300);
    CHECK(field(r.out, "misses") == 100);
    CHECK(field(r.out, "wrong") == 0);
    CHECK(field(r.out, "errors") == 0);
    if (ab == "0") {
      CHECK(field(r.out, "wire_batches") == 0);
    } else {
      // A get with nothing else outstanding to its node goes alone; the others are batched.
      auto batched = field(r.out, "batched_gets");
      CHECK(batched > 0);
      CHECK(batched <= 400);
      CHECK(field(r.out, "wire_batches") < batched);  // some gets did share a message
      CHECK(field(r.out, "wire_batches") * std::stoll(ab) >= batched);  // none beyond the cap
    }
  }
}

TEST_CASE("a key the node refuses fails only its own request, not the batch it rode in",
          "[tools][process][autobatch]") {
  node_fixture f;
  if (!f.start()) {
    WARN("actorcache-node or actorcache-client not built or not listening: skipped");
    return;
  }
  // With a 511-byte prefix, keys 0..9 are 512 bytes (allowed by the default
  // cache.max-key-bytes=512) and keys 10..99 are 513 (refused): every batch mixes both.
  std::string prefix(511, 'p');
  for (std::string ab : {"64", "0"}) {
    INFO("--auto-batch=" << ab);
    auto r = run(f.client("load --sequential --get-ratio=1 --keys=100 --requests=100 "
                          "--clients=1 --window=100 --json --key-prefix=" + prefix
                          + " --auto-batch=" + ab));
    CHECK(r.rc == 2);
    CHECK(field(r.out, "requests") == 100);
    CHECK(field(r.out, "ok") == 10);
    CHECK(field(r.out, "misses") == 10);
    CHECK(field(r.out, "errors") == 90);
    CHECK(field(r.out, "retries") == 0);  // the node's verdict is final, not retried
  }
}

TEST_CASE("auto-batched gets to a node that dies fail fast instead of waiting for timeouts",
          "[tools][process][autobatch]") {
  node_fixture f;
  if (!f.start()) {
    WARN("actorcache-node or actorcache-client not built or not listening: skipped");
    return;
  }
  // More requests than finish before the kill; the ones after it fail at once (no node).
  // Without fail-fast, the gets in flight at the kill would wait for the 3 s timeout (twice,
  // with the retry), so the slowest request shows whether they did.
  tool_run r;
  std::thread load([&] {
    r = run(bin("actorcache-client") + " " + f.addr
            + " --timeout=3 load --get-ratio=1 --keys=1000 --requests=2000000 --clients=8"
              " --window=8 --auto-batch=64 --json");
  });
  std::this_thread::sleep_for(1500ms);  // connected and under way
  auto killed = std::chrono::steady_clock::now();
  f.node->send_signal(SIGKILL);
  load.join();
  CHECK(std::chrono::steady_clock::now() - killed < 60s);
  CHECK(r.rc == 2);
  CHECK(field(r.out, "ok") > 0);  // it did run before the kill
  CHECK(field(r.out, "errors") > 0);
  CHECK(field(r.out, "requests") == 2000000);
  CHECK(field(r.out, "max_us") >= 0);
  CHECK(field(r.out, "max_us") < 2500000);
}
