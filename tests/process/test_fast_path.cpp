// Process tests of the fast lookup port: clients use it by default, get the same answers as over CAF, and junk on it harms nothing.
#include <catch2/catch.hpp>

#include <regex>
#include <string>
#include <thread>

#include "core/fast_frame.hpp"
#include "tests/support/raw_socket.hpp"
#include "tests/support/tool_node.hpp"

namespace {

using namespace std::chrono_literals;
using ac::test::program_path;
using ac::test::shell_result;

shell_result run(const std::string& cmd, std::chrono::seconds timeout = 30s) {
  return ac::test::run_shell(cmd, timeout);
}

using ac::test::json_int;

// A node and its fast port, read from the node's log (it logs the port before it writes its
// port file, so the line is there once start() returns).
struct fast_node : ac::test::tool_node {
  uint16_t fast_port = 0;

  explicit fast_node(std::vector<std::string> args = {}) : tool_node("fast-path", std::move(args)) {}

  bool start() {
    if (!tool_node::start())
      return false;
    std::smatch m;
    auto log = ac::test::slurp(node.log_file());
    if (std::regex_search(log, m, std::regex("fast lookup port [0-9.]+:([0-9]+)")))
      fast_port = static_cast<uint16_t>(std::stoi(m[1].str()));
    return true;
  }
};

bool skipped(fast_node& f) {
  if (f.start())
    return false;
  WARN("actorcache-node or actorcache-client not built or not listening: skipped");
  return true;
}

} // namespace

TEST_CASE("gets go to the fast port by default and answer exactly as over CAF remoting",
          "[fast][process]") {
  fast_node f;
  if (skipped(f))
    return;
  REQUIRE(f.fast_port != 0);
  // Keys fp-0 .. fp-299 hold values made from their key; fp-300 .. fp-399 are absent.
  REQUIRE(run(f.client("load --verify --sequential --get-ratio=0 --keys=300 --requests=300 "
                       "--clients=4 --window=8 --json --key-prefix=fp-")).rc == 0);
  for (std::string shape : {"--clients=4 --window=32", "--clients=1 --window=1"}) {
    for (std::string fast : {"on", "off"}) {
      INFO(shape << " --fast-path=" << fast);
      auto r = run(f.client("load --verify --sequential --get-ratio=1 --keys=400 --requests=400 "
                            "--key-prefix=fp- --json " + shape + " --fast-path=" + fast));
      CHECK(r.rc == 0);
      CHECK(json_int(r.out, "ok") == 400);
      CHECK(json_int(r.out, "hits") == 300);
      CHECK(json_int(r.out, "misses") == 100);
      CHECK(json_int(r.out, "wrong") == 0);
      if (fast == "on")
        CHECK(json_int(r.out, "fast_batches") > 0);
      else
        CHECK(json_int(r.out, "fast_batches") == 0);
    }
  }
  // The console shows the port's own row: connections and the request frames it read.
  auto stats = run(program_path("actorcache-console") + " " + f.addr + " stats --json", 10s);
  CHECK(stats.rc == 0);
  auto row = stats.out.find("\"kind\":\"fast_port\"");
  REQUIRE(row != std::string::npos);
  auto rest = stats.out.substr(row);
  CHECK(json_int(rest, "connections") >= 2);  // one per load run with the fast path on
  CHECK(json_int(rest, "requests") > 0);
  CHECK(json_int(rest, "dropped") == 0);
}

TEST_CASE("junk and malformed frames on the fast port drop that connection and the node keeps serving",
          "[fast][process][security]") {
  fast_node f;
  if (skipped(f))
    return;
  REQUIRE(f.fast_port != 0);
  CHECK(ac::test::junk_gets_dropped(f.fast_port, ac::test::random_bytes(200 * 1024), 10s));
  // A length prefix far beyond any request (4 GiB - 1): refused before reading the body.
  CHECK(ac::test::junk_gets_dropped(f.fast_port, std::string(4, '\xff'), 10s));
  // A frame of the right length whose kind byte is not a request.
  std::string bad_kind;
  ac::fast::append_request(bad_kind, 7, false, 0, {"k"});
  bad_kind[4] = '\x09';
  CHECK(ac::test::junk_gets_dropped(f.fast_port, bad_kind, 10s));
  // A key count larger than the frame could hold.
  std::string too_many;
  ac::fast::append_request(too_many, 8, false, 0, {"k"});
  too_many[4 + 1 + 8 + 8] = '\x7f';
  CHECK(ac::test::junk_gets_dropped(f.fast_port, too_many, 10s));

  auto r = run(f.client("load --get-ratio=1 --keys=100 --requests=2000 --clients=4 --window=8 "
                        "--json"));
  CHECK(r.rc == 0);
  CHECK(json_int(r.out, "errors") == 0);
  CHECK(json_int(r.out, "fast_batches") > 0);
}

TEST_CASE("a well-formed request frame gets its answer frame with the same id",
          "[fast][process]") {
  fast_node f;
  if (skipped(f))
    return;
  REQUIRE(run(f.client("put hand-made v1")).rc == 0);
  int fd = ac::test::connect_to(f.fast_port);
  REQUIRE(fd >= 0);
  std::string req;
  ac::fast::append_request(req, 4242, false, 0, {"hand-made", "absent"});
  REQUIRE(::send(fd, req.data(), req.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(req.size()));
  ac::fast::frame_reader in{1 << 20};
  std::optional<std::string_view> body;
  auto deadline = std::chrono::steady_clock::now() + 10s;
  while (!(body = in.next()) && std::chrono::steady_clock::now() < deadline) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 100) == 1) {
      auto n = ::recv(fd, in.prepare(4096), 4096, 0);
      if (n <= 0)
        break;
      in.commit(static_cast<size_t>(n));
    }
  }
  ::close(fd);
  REQUIRE(body);
  ac::fast::answer_head head;
  std::vector<ac::fast::plain_result> results;
  ac::fast::failure failed;
  REQUIRE(ac::fast::parse_answer(*body, head, results, failed));
  CHECK(head.id == 4242);
  REQUIRE(head.what == ac::fast::answer_kind::results);
  REQUIRE(results.size() == 2);
  CHECK(results[0].found);
  CHECK(!results[0].value.empty());  // the stored Entry's bytes
  CHECK(!results[1].found);
}

TEST_CASE("with node.fast-path=off the node opens no fast port and clients use CAF remoting",
          "[fast][process]") {
  fast_node f{{"--node.fast-path=off"}};
  if (skipped(f))
    return;
  CHECK(f.fast_port == 0);
  auto r = run(f.client("load --get-ratio=1 --keys=100 --requests=500 --clients=2 --window=4 --json"));
  CHECK(r.rc == 0);
  CHECK(json_int(r.out, "ok") == 500);
  CHECK(json_int(r.out, "fast_batches") == 0);
}

TEST_CASE("a bad node.fast-path value exits 2 naming the option", "[fast][process]") {
  if (!ac::test::executable_exists(program_path("actorcache-node"))) {
    WARN("actorcache-node not built: skipped");
    return;
  }
  ac::test::temp_dir dir{"ac-fast-path-config"};
  auto r = ac::test::run_shell(program_path("actorcache-node") + " --node.port=0 --node.fast-path=maybe",
                               20s, dir.path() + "/stderr.txt");
  CHECK(r.rc == 2);
  CHECK(r.err.find("node.fast-path") != std::string::npos);
}

TEST_CASE("SIGTERM during a load over the fast port ends the node with 0 and every request ends",
          "[fast][process]") {
  fast_node f;
  if (skipped(f))
    return;
  shell_result r;
  std::thread load([&] {
    r = run(f.client("--timeout=3 load --get-ratio=1 --keys=1000 --requests=2000000 "
                     "--clients=8 --window=8 --json"), 60s);
  });
  // Under way once the node has answered some lookups over the fast port.
  auto deadline = std::chrono::steady_clock::now() + 20s;
  bool busy = false;
  while (!busy && std::chrono::steady_clock::now() < deadline) {
    auto stats = run(program_path("actorcache-console") + " " + f.addr + " stats --json", 10s);
    busy = json_int(stats.out, "requests") > 1000;
  }
  CHECK(busy);
  auto code = f.node.terminate(15s);
  load.join();
  REQUIRE(code);
  CHECK(*code == 0);
  CHECK(json_int(r.out, "requests") == 2000000);  // all answered or failed, none left hanging
  CHECK(json_int(r.out, "ok") > 0);
  CHECK(json_int(r.out, "fast_batches") > 0);
}
