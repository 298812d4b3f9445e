// Process tests of the client's RESP path: the batchers send MGETs to the node's RESP port by default, with the same answers as CAF remoting.
#include <catch2/catch.hpp>

#include <fstream>
#include <string>
#include <thread>

#include <sys/ioctl.h>

#include "tests/support/raw_socket.hpp"
#include "tests/support/tool_run.hpp"

namespace {

using namespace std::chrono_literals;
using ac::test::check_json_counts;
using ac::test::json_int;
using ac::test::program_path;
using ac::test::shell_result;

shell_result run(const std::string& cmd, std::chrono::seconds timeout = 30s) {
  return ac::test::run_shell(cmd, timeout);
}

// One node on ephemeral ports whose RESP port is read from its port file. start() REQUIREs
// everything it needs: a node that does not come up fails the test instead of skipping it.
struct resp_node {
  ac::test::temp_dir dir{"ac-resp-client-test"};
  ac::test::node_process node; // declared after dir: killed first
  std::string addr;            // "--node=127.0.0.1:PORT"
  uint16_t resp_port = 0;

  /// `config`: the text of a config file for the node (--config-file), none when empty.
  explicit resp_node(const std::string& config = {})
    : node{"resp-client", node_args(dir, config), dir.path()} {}

  static std::vector<std::string> node_args(const ac::test::temp_dir& dir,
                                            const std::string& config) {
    std::vector<std::string> args{"--resp.port=0", "--resp.port-file=" + dir.path() + "/resp.port"};
    if (!config.empty()) {
      std::ofstream{dir.path() + "/node.ini"} << config;
      args.push_back("--config-file=" + dir.path() + "/node.ini");
    }
    return args;
  }

  std::string resp_port_file() const { return dir.path() + "/resp.port"; }

  /// Starts the node; with `resp`, also waits for its RESP port file (written right after the
  /// node's own port file).
  void start(bool resp = true) {
    REQUIRE(ac::test::executable_exists(program_path("actorcache-node")));
    REQUIRE(ac::test::executable_exists(program_path("actorcache-client")));
    REQUIRE(ac::test::executable_exists(program_path("actorcache-console")));
    REQUIRE(node.start(0, 15s));
    addr = "--node=" + node.address();
    if (!resp)
      return;
    REQUIRE(ac::test::wait_until(
      [&] {
        std::ifstream f{resp_port_file()};
        unsigned p = 0;
        if (f >> p && p > 0 && p < 65536)
          resp_port = static_cast<uint16_t>(p);
        return resp_port != 0;
      },
      10s));
    REQUIRE(ac::test::wait_for_port(resp_port, 5s));
  }

  /// actorcache-client aimed at this node, with a 5 s request timeout; `args` follow.
  std::string client(const std::string& args) const {
    return program_path("actorcache-client") + " " + addr + " --timeout=5 " + args;
  }
  std::string stats() const {
    return run(program_path("actorcache-console") + " " + addr + " stats --json", 10s).out;
  }
};

// The node's `resp` row in a console stats JSON ("" when absent).
std::string resp_row(const std::string& stats) {
  auto at = stats.find("\"kind\":\"resp\"");
  return at == std::string::npos ? std::string{} : stats.substr(at);
}

// Sends `request` on `fd` and reads until `done(reply so far)` holds or 10 s pass.
template <class Done>
std::string exchange(int fd, const std::string& request, Done done) {
  REQUIRE(::send(fd, request.data(), request.size(), MSG_NOSIGNAL)
          == static_cast<ssize_t>(request.size()));
  std::string reply;
  auto deadline = std::chrono::steady_clock::now() + 10s;
  while (!done(reply) && std::chrono::steady_clock::now() < deadline) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 100) != 1)
      continue;
    char buf[4096];
    auto n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0)
      break;
    reply.append(buf, static_cast<size_t>(n));
  }
  return reply;
}

} // namespace

TEST_CASE("gets go to the RESP port by default and answer exactly as over CAF remoting",
          "[resp][process]") {
  resp_node n;
  n.start();
  // Keys rp-0 .. rp-299 hold values made from their key; rp-300 .. rp-399 are absent.
  REQUIRE(run(n.client("load --verify --sequential --get-ratio=0 --keys=300 --requests=300 "
                       "--clients=4 --window=8 --json --key-prefix=rp-"))
            .rc
          == 0);
  for (std::string shape :
       {"--clients=4 --window=32", "--clients=1 --window=1", "--clients=2 --window=4 --batch=10"}) {
    long long hits[2] = {-1, -2};
    for (bool resp : {true, false}) {
      std::string path = resp ? "on" : "off";
      INFO(shape << " --fast-path=" << path);
      auto r =
        run(n.client("load --verify --sequential --get-ratio=1 --keys=400 --requests=400 "
                     "--key-prefix=rp- --json "
                     + shape + " --fast-path=" + path));
      CHECK(r.rc == 0);
      check_json_counts(r.out, {{"ok", 400}, {"errors", 0}, {"wrong", 0}});
      hits[resp] = json_int(r.out, "hits");
      if (shape.find("--batch") == std::string::npos) {
        CHECK(hits[resp] == 300);
        CHECK(json_int(r.out, "misses") == 100);
      }
      if (resp)
        CHECK(json_int(r.out, "resp_batches") > 0);
      else
        CHECK(json_int(r.out, "resp_batches") == 0);
    }
    CHECK(hits[0] == hits[1]);
  }
  // The node's resp row counted the clients' connections and their MGETs.
  auto row = resp_row(n.stats());
  REQUIRE(!row.empty());
  CHECK(json_int(row, "connections") >= 3); // one per load run with the RESP path on
  CHECK(json_int(row, "cmd_mget") > 0);
  CHECK(json_int(row, "dropped") == 0);
}

TEST_CASE("junk bytes on the RESP port drop only that connection and other clients keep working",
          "[resp][process][security]") {
  resp_node n;
  n.start();
  REQUIRE(run(n.client("put junk-survivor v1")).rc == 0);
  // A client connected before the junk arrives, and still served after it.
  int fd = ac::test::connect_to(n.resp_port);
  REQUIRE(fd >= 0);
  auto pong = exchange(fd, "*1\r\n$4\r\nPING\r\n",
                       [](const std::string& r) { return r.find("\r\n") != std::string::npos; });
  CHECK(pong == "+PONG\r\n");

  CHECK(
    ac::test::junk_gets_dropped(n.resp_port, "*x\r\n" + ac::test::random_bytes(64 * 1024), 10s));
  CHECK(ac::test::junk_gets_dropped(n.resp_port, "*1\r\n:5\r\n", 10s)); // not a bulk string

  std::string want = "*2\r\n$2\r\nv1\r\n$-1\r\n";
  auto mget = exchange(fd, "*3\r\n$4\r\nMGET\r\n$13\r\njunk-survivor\r\n$6\r\nabsent\r\n",
                       [&](const std::string& r) { return r.size() >= want.size(); });
  ::close(fd);
  CHECK(mget == want);

  auto r =
    run(n.client("load --get-ratio=1 --keys=100 --requests=2000 --clients=4 --window=8 "
                 "--json"));
  CHECK(r.rc == 0);
  CHECK(json_int(r.out, "errors") == 0);
  CHECK(json_int(r.out, "resp_batches") > 0);
  auto row = resp_row(n.stats());
  REQUIRE(!row.empty());
  CHECK(json_int(row, "dropped") >= 2);
}

TEST_CASE("SIGTERM during a load over the RESP port ends the node with 0 and every request ends",
          "[resp][process]") {
  resp_node n;
  n.start();
  shell_result r;
  std::thread load([&] {
    r = run(n.client("--timeout=3 load --get-ratio=1 --keys=1000 --requests=2000000 "
                     "--clients=8 --window=8 --json"),
            60s);
  });
  // Under way once the node has answered some MGETs on its RESP port.
  bool busy =
    ac::test::wait_until([&] { return json_int(resp_row(n.stats()), "cmd_mget") > 100; }, 20s);
  auto code = n.node.terminate(15s);
  load.join();
  CHECK(busy);
  REQUIRE(code);
  CHECK(*code == 0);
  CHECK(json_int(r.out, "requests") == 2000000); // all answered or failed, none left hanging
  CHECK(json_int(r.out, "ok") > 0);
  CHECK(json_int(r.out, "resp_batches") > 0);
}

TEST_CASE(
  "SIGTERM while a GET waits on a compute that outlasts the drain ends the node with 0 "
  "and closes the connection",
  "[resp][process]") {
  // The compute (6 s) outlasts the node's 5 s drain: the actors that would have answered are
  // gone when it ends, so the reply never comes and the session must be closed, not awaited.
  resp_node n{"[loader]\nkind=\"synthetic\"\ncost=6s\nworkers=1\n"};
  n.start();
  int fd = ac::test::connect_to(n.resp_port);
  REQUIRE(fd >= 0);
  std::string get = "*2\r\n$3\r\nGET\r\n$10\r\nslow-key-1\r\n";
  REQUIRE(::send(fd, get.data(), get.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(get.size()));
  bool computing = ac::test::wait_until(
    [&] {
      auto s = n.stats();
      auto at = s.find("\"kind\":\"compute\"");
      return at != std::string::npos && json_int(s.substr(at), "busy") == 1;
    },
    10s);
  auto code = n.node.terminate(20s); // the reply's own bound is longer than 30 s
  bool closed = ac::test::closed_by_peer(fd, 5s);
  ::close(fd);
  CHECK(computing);
  REQUIRE(code);
  CHECK(*code == 0);
  CHECK(closed);
}

TEST_CASE("SIGTERM with a client leaving big replies unread ends the node with 0",
          "[resp][process]") {
  resp_node n;
  n.start();
  // 64 GETs of a 512 KiB value, never read: the replies fill both socket buffers, and the
  // rest waits in the session for room that never comes.
  std::ofstream{n.dir.path() + "/big"} << std::string(512 * 1024, 'b');
  REQUIRE(run(n.client("put big-value --value-file=" + n.dir.path() + "/big")).rc == 0);
  int fd = ac::test::connect_to(n.resp_port);
  REQUIRE(fd >= 0);
  std::string gets;
  for (int i = 0; i < 64; ++i)
    gets += "*2\r\n$3\r\nGET\r\n$9\r\nbig-value\r\n";
  REQUIRE(::send(fd, gets.data(), gets.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(gets.size()));
  bool stuck = ac::test::wait_until(
    [&] {
      int queued = 0;
      return ::ioctl(fd, FIONREAD, &queued) == 0 && queued > 64 * 1024;
    },
    10s);
  auto code = n.node.terminate(15s);
  ::close(fd);
  CHECK(stuck);
  REQUIRE(code);
  CHECK(*code == 0);
}

TEST_CASE("a node with resp.enabled=false makes the client fall back to CAF remoting",
          "[resp][process]") {
  // CAF bool flags cannot be set false on the command line: a config file does it.
  resp_node n{"[resp]\nenabled=false\n"};
  n.start(false);
  auto r =
    run(n.client("load --get-ratio=1 --keys=100 --requests=500 --clients=2 --window=4 --json"));
  CHECK(r.rc == 0);
  CHECK(json_int(r.out, "ok") == 500);
  CHECK(json_int(r.out, "resp_batches") == 0);
  CHECK(resp_row(n.stats()).empty());
  std::ifstream port_file{n.resp_port_file()};
  CHECK(!port_file); // no RESP port was opened
}
