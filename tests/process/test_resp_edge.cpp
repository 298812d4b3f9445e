// The RESP edge of real node processes: hiredis (sync and pipelined), redis-cli, redis-benchmark, redis-py on a cluster, and bad input.
#include <catch2/catch.hpp>

#include <sys/socket.h>
#include <unistd.h>

#include <hiredis/hiredis.h>

#include "tests/support/node_group.hpp"
#include "tests/support/node_process.hpp"
#include "tests/support/raw_socket.hpp"
#include "tests/support/resp_client.hpp"

using namespace ac::test;

namespace {

std::string str(const redisReply* r) {
  return r != nullptr ? std::string(r->str, r->len) : "<none>";
}

/// A node of its own with RESP on a free port; REQUIREs that it started.
struct resp_node {
  temp_dir dir{"ac-resp-test"};
  node_process node;
  uint16_t port = 0;
  explicit resp_node(std::vector<std::string> args = {}, std::string id = "r1")
    : node(std::move(id), std::move(args), dir.path()) {
    REQUIRE(node.start());
    port = node.resp_port();
    REQUIRE(port != 0);
  }
};

/// Sends raw bytes on a new connection and reads what comes back until the node closes it
/// (or `timeout`); `closed` says whether it did.
std::string raw_exchange(uint16_t port, const std::string& bytes, bool& closed,
                         std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
  int fd = connect_to(port);
  REQUIRE(fd >= 0);
  timeval tv{0, 200 * 1000};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  size_t sent = 0;
  while (sent < bytes.size()) {
    auto n = ::send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n <= 0)
      break;
    sent += static_cast<size_t>(n);
  }
  std::string got;
  closed = false;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  char buf[4096];
  while (std::chrono::steady_clock::now() < deadline) {
    auto n = ::recv(fd, buf, sizeof buf, 0);
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)) {
      closed = true;
      break;
    }
    if (n > 0)
      got.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return got;
}

} // namespace

TEST_CASE("GET, SET with EX and NX, DEL, EXISTS, TTL and MGET answer as Redis does", "[resp]") {
  resp_node n;
  connected_resp_client r{n.port};
  CHECK(str(r.run({"PING"}).get()) == "PONG");
  CHECK(str(r.run({"SET", "k", "v1", "EX", "100"}).get()) == "OK");
  CHECK(str(r.run({"GET", "k"}).get()) == "v1");
  CHECK(r.run({"GET", "nope"})->type == REDIS_REPLY_NIL);
  auto ttl = r.run({"TTL", "k"});
  CHECK(ttl->integer >= 99);
  CHECK(ttl->integer <= 100);
  CHECK(r.run({"TTL", "nope"})->integer == -2);
  CHECK(r.run({"SET", "k", "v2", "NX"})->type == REDIS_REPLY_NIL);
  CHECK(str(r.run({"GET", "k"}).get()) == "v1");
  CHECK(r.run({"SET", "absent", "v", "XX"})->type == REDIS_REPLY_NIL);
  CHECK(r.run({"EXISTS", "k", "absent", "k"})->integer == 2);
  CHECK(r.run({"EXPIRE", "k", "50"})->integer == 1);
  CHECK(r.run({"TTL", "k"})->integer <= 50);
  auto m = r.run({"MGET", "k", "nope"});
  REQUIRE(m->type == REDIS_REPLY_ARRAY);
  REQUIRE(m->elements == 2);
  CHECK(str(m->element[0]) == "v1");
  CHECK(m->element[1]->type == REDIS_REPLY_NIL);
  CHECK(r.run({"DEL", "k", "nope"})->integer == 1);
  CHECK(r.run({"GET", "k"})->type == REDIS_REPLY_NIL);
  CHECK(r.run({"DBSIZE"})->integer == 0);
}

TEST_CASE("Values are binary safe: NUL, CR and LF come back byte for byte", "[resp]") {
  resp_node n;
  connected_resp_client r{n.port};
  std::string value("a\0b\r\nc\n\r", 8);
  value += random_bytes(1000);
  CHECK(str(r.run({"SET", "bin", value}).get()) == "OK");
  CHECK(str(r.run({"GET", "bin"}).get()) == value);
}

TEST_CASE("A pipeline is answered in request order even when an early GET waits for a compute",
          "[resp]") {
  // Keys starting with "slow" cost 300 ms to compute; the later GETs are L1 hits.
  resp_node n({"--loader.kind=synthetic", "--loader.cost=300ms", "--loader.value-size=16"});
  connected_resp_client r{n.port};
  REQUIRE(str(r.run({"SET", "hit", "fast"}).get()) == "OK");
  r.append({"GET", "slow-key"});
  for (int i = 0; i < 50; ++i)
    r.append({"GET", "hit"});
  r.append({"PING"});
  auto first = r.next();
  REQUIRE(first);
  CHECK(first->type == REDIS_REPLY_STRING);
  CHECK(first->len == 16);
  for (int i = 0; i < 50; ++i) {
    auto reply = r.next();
    REQUIRE(reply);
    CHECK(str(reply.get()) == "fast");
  }
  auto pong = r.next();
  REQUIRE(pong);
  CHECK(str(pong.get()) == "PONG");
}

TEST_CASE("A pipeline of 1,000 SETs and one MGET of them round-trips every value", "[resp]") {
  resp_node n;
  connected_resp_client r{n.port};
  for (int i = 0; i < 1000; ++i)
    r.append({"SET", "p:" + std::to_string(i), "val-" + std::to_string(i)});
  for (int i = 0; i < 1000; ++i) {
    auto reply = r.next();
    REQUIRE(reply);
    CHECK(str(reply.get()) == "OK");
  }
  std::vector<std::string> args{"MGET"};
  for (int i = 0; i < 1000; ++i)
    args.push_back("p:" + std::to_string(i));
  auto m = r.run(args);
  REQUIRE(m->elements == 1000);
  for (int i = 0; i < 1000; ++i)
    CHECK(str(m->element[i]) == "val-" + std::to_string(i));
}

TEST_CASE("Unknown commands, wrong arity, HELLO 3 and SELECT 1 get Redis's error texts", "[resp]") {
  resp_node n;
  connected_resp_client r{n.port};
  auto e1 = r.run({"FOO", "bar"});
  CHECK(e1->type == REDIS_REPLY_ERROR);
  CHECK(str(e1.get()).rfind("ERR unknown command 'FOO', with args beginning with: 'bar'", 0) == 0);
  CHECK(str(r.run({"GET"}).get()) == "ERR wrong number of arguments for 'get' command");
  CHECK(str(r.run({"HELLO", "3"}).get()).rfind("NOPROTO", 0) == 0);
  CHECK(str(r.run({"SELECT", "1"}).get()) == "ERR DB index is out of range");
  CHECK(str(r.run({"SET", "k", "v", "EX", "0"}).get())
        == "ERR invalid expire time in 'set' command");
  CHECK(str(r.run({"SET", "k", "v", "BOGUS"}).get()) == "ERR syntax error");
  // The connection still works after every error.
  CHECK(str(r.run({"PING"}).get()) == "PONG");
}

TEST_CASE("Bad keys and values are refused with a reason and store nothing", "[resp]") {
  resp_node n({"--cache.max-value-bytes=1000", "--resp.max-keys=10"});
  connected_resp_client r{n.port};
  CHECK(str(r.run({"SET", std::string(600, 'k'), "v"}).get()).rfind("KEYTOOLONG", 0) == 0);
  CHECK(str(r.run({"SET", "", "v"}).get()).rfind("EMPTYKEY", 0) == 0);
  CHECK(str(r.run({"SET", "big", std::string(1001, 'v')}).get()).rfind("VALUETOOLARGE", 0) == 0);
  CHECK(r.run({"GET", "big"})->type == REDIS_REPLY_NIL);
  std::vector<std::string> many{"MGET"};
  for (int i = 0; i < 11; ++i)
    many.push_back("k" + std::to_string(i));
  auto e = r.run(many);
  CHECK(e->type == REDIS_REPLY_ERROR);
  CHECK(str(e.get()).find("resp.max-keys=10") != std::string::npos);
  CHECK(r.run({"DBSIZE"})->integer == 0);
}

TEST_CASE(
  "Protocol garbage, bad bulk lengths and an oversized inline command close only that "
  "connection",
  "[resp]") {
  resp_node n;
  resp_client other{n.port};
  REQUIRE(other.ok());
  REQUIRE(str(other.run({"SET", "survivor", "yes"}).get()) == "OK");
  bool closed = false;
  auto got = raw_exchange(n.port, "*1\r\n:5\r\n", closed);
  CHECK(closed);
  CHECK(got.rfind("-ERR Protocol error", 0) == 0);
  got = raw_exchange(n.port, "*1\r\n$-5\r\n", closed);
  CHECK(closed);
  CHECK(got.rfind("-ERR Protocol error", 0) == 0);
  got = raw_exchange(n.port, "*1\r\n$99999999999\r\n", closed);
  CHECK(closed);
  CHECK(got == "-ERR Protocol error: invalid bulk length\r\n");
  got = raw_exchange(n.port, "*999999999\r\n", closed);
  CHECK(closed);
  CHECK(got.rfind("-ERR Protocol error", 0) == 0);
  got = raw_exchange(n.port, std::string(70000, 'x'), closed);
  CHECK(closed);
  CHECK(got == "-ERR Protocol error: too big inline request\r\n");
  // Inline commands (telnet) work, and a request cut short waits without harm.
  got = raw_exchange(n.port, "PING\r\nGET survivor\r\nQUIT\r\n", closed);
  CHECK(got == "+PONG\r\n$3\r\nyes\r\n+OK\r\n");
  CHECK(closed);
  got =
    raw_exchange(n.port, "*2\r\n$3\r\nGET\r\n$8\r\nsurv", closed, std::chrono::milliseconds(500));
  CHECK_FALSE(closed);
  CHECK(got.empty());
  CHECK(str(other.run({"GET", "survivor"}).get()) == "yes");
}

TEST_CASE("Without AUTH a password-protected node answers NOAUTH; the right password opens it",
          "[resp]") {
  resp_node n({"--resp.password=s3cret"});
  connected_resp_client r{n.port};
  CHECK(str(r.run({"GET", "a"}).get()).rfind("NOAUTH", 0) == 0);
  CHECK(str(r.run({"PING"}).get()) == "PONG");
  CHECK(str(r.run({"AUTH", "wrong"}).get()).rfind("WRONGPASS", 0) == 0);
  CHECK(str(r.run({"GET", "a"}).get()).rfind("NOAUTH", 0) == 0);
  CHECK(str(r.run({"AUTH", "s3cret"}).get()) == "OK");
  CHECK(str(r.run({"SET", "a", "1"}).get()) == "OK");
  CHECK(str(r.run({"GET", "a"}).get()) == "1");
}

TEST_CASE("A client that never reads its replies is cut off; others are served meanwhile",
          "[resp]") {
  resp_node n({"--resp.max-pending-bytes=1000000"});
  connected_resp_client r{n.port};
  REQUIRE(str(r.run({"SET", "big", std::string(100000, 'x')}).get()) == "OK");
  int fd = connect_to(n.port);
  REQUIRE(fd >= 0);
  std::string req = "*2\r\n$3\r\nGET\r\n$3\r\nbig\r\n";
  std::string burst;
  for (int i = 0; i < 100; ++i)
    burst += req;
  bool cut = false;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (!cut && std::chrono::steady_clock::now() < deadline) {
    if (::send(fd, burst.data(), burst.size(), MSG_NOSIGNAL | MSG_DONTWAIT) < 0 && errno != EAGAIN
        && errno != EWOULDBLOCK)
      cut = true;
    CHECK(str(r.run({"PING"}).get()) == "PONG");
  }
  ::close(fd);
  CHECK(cut);
  auto info = r.run({"INFO", "stats"});
  CHECK(str(info.get()).find("total_connections_received") != std::string::npos);
}

TEST_CASE("2,000 idle connections neither stop the node nor slow another client", "[resp]") {
  resp_node n;
  std::vector<int> idle;
  for (int i = 0; i < 2000; ++i) {
    int fd = connect_to(n.port);
    if (fd < 0)
      break;
    idle.push_back(fd);
  }
  CHECK(idle.size() == 2000);
  connected_resp_client r{n.port};
  auto start = std::chrono::steady_clock::now();
  CHECK(str(r.run({"SET", "a", "1"}).get()) == "OK");
  CHECK(str(r.run({"GET", "a"}).get()) == "1");
  // Generous on a loaded 2-core CI box; a node stalled by the idle connections takes far longer.
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(5));
  for (int fd : idle)
    ::close(fd);
  CHECK(n.node.alive());
}

TEST_CASE("redis-cli scripted and redis-benchmark run against a node without errors", "[resp]") {
  resp_node n;
  auto p = std::to_string(n.port);
  auto set =
    run_tool({"redis-cli", "-p", p, "SET", "cli", "hello", "EX", "30"}, std::chrono::seconds(10));
  CHECK(set.exit_code == 0);
  CHECK(set.out == "OK\n");
  auto get = run_tool({"redis-cli", "-p", p, "GET", "cli"}, std::chrono::seconds(10));
  CHECK(get.out == "hello\n");
  auto info = run_tool({"redis-cli", "-p", p, "INFO", "server"}, std::chrono::seconds(10));
  CHECK(info.out.find("redis_version:") != std::string::npos);
  auto bench = run_tool({"redis-benchmark", "-p", p, "-t", "get,set,mset", "-n", "5000", "-c", "10",
                         "-r", "1000", "-q", "--csv"},
                        std::chrono::seconds(60));
  CHECK(bench.exit_code == 0);
  CHECK(bench.out.find("\"GET\"") != std::string::npos);
  CHECK(bench.out.find("\"SET\"") != std::string::npos);
  CHECK(bench.out.find("\"MSET (10 keys)\"") != std::string::npos);
  CHECK(bench.out.find("rror") == std::string::npos);
}

TEST_CASE(
  "redis-py on a 3-node cluster: set through one member, read through the others, "
  "pipelines, binary values",
  "[resp][python]") {
  node_group g{"ac-resp-py"};
  auto pa = g.add("a").resp_port(), pb = g.add("b").resp_port(), pc = g.add("c").resp_port();
  const char* script = R"PY(
import sys, time, redis
ports = [int(p) for p in sys.argv[1:]]
rs = [redis.Redis(port=p, socket_timeout=10) for p in ports]
deadline = time.time() + 15
while time.time() < deadline and any(len(r.execute_command("AC.MEMBERS")) != 3 for r in rs):
    time.sleep(0.1)
assert all(len(r.execute_command("AC.MEMBERS")) == 3 for r in rs), "members did not converge"
p = rs[0].pipeline(transaction=False)
for i in range(1000):
    p.set(f"k{i}", f"v{i}".encode() + b"\x00\r\n" + bytes([i % 256]))
assert all(p.execute())
for r in rs[1:]:
    got = r.mget([f"k{i}" for i in range(1000)])
    assert got == [f"v{i}".encode() + b"\x00\r\n" + bytes([i % 256]) for i in range(1000)], "values differ"
owners = [r.execute_command("AC.OWNER", "k1") for r in rs]
assert owners[0] == owners[1] == owners[2], owners
assert rs[2].delete("k1") == 1 and rs[0].get("k1") is None
print("ok")
)PY";
  auto py = run_tool(
    {"/usr/bin/python3", "-c", script, std::to_string(pa), std::to_string(pb), std::to_string(pc)},
    std::chrono::seconds(60), g.dir.path() + "/py.err");
  INFO(py.out);
  CHECK(py.exit_code == 0);
  CHECK(py.out == "ok\n");
}
