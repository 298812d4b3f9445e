// The Redis pool's bound (redis.max-connections) and TCP keep-alive options take effect on the node's real connections.
#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include "tests/support/redis_node.hpp"

using namespace ac;
using ac::test::node_with_redis;
using namespace std::chrono_literals;

namespace {

struct keepalive {
  int on = 0, idle = 0, interval = 0, count = 0;
};

keepalive keepalive_of(int fd) {
  keepalive k;
  socklen_t len = sizeof(int);
  ::getsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &k.on, &len);
  ::getsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &k.idle, &len);
  ::getsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &k.interval, &len);
  ::getsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &k.count, &len);
  return k;
}

/// Checks that the socket `fd` has keep-alive on, with `idle`, `interval` and `count`.
void check_keepalive(int fd, int idle, int interval, int count) {
  auto k = keepalive_of(fd);
  CHECK(k.on == 1);
  CHECK(k.idle == idle);
  CHECK(k.interval == interval);
  CHECK(k.count == count);
}

/// A connection with options `o`, connected; fails the test when it cannot connect.
redis_connection connected(const redis_options& o) {
  redis_connection conn{o};
  std::string err;
  REQUIRE(conn.connect(&err));
  return conn;
}

/// This process's sockets connected to 127.0.0.1:`port` (the in-process node's Redis pool).
std::vector<int> sockets_to(uint16_t port) {
  std::vector<int> out;
  for (int fd = 0; fd < 4096; ++fd) {
    sockaddr_in peer{};
    socklen_t len = sizeof(peer);
    if (::getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &len) == 0
        && peer.sin_family == AF_INET && ntohs(peer.sin_port) == port)
      out.push_back(fd);
  }
  return out;
}

} // namespace

TEST_CASE(
  "a Redis connection carries the configured TCP keep-alive, and the note's values by default",
  "[redis][pool]") {
  REQUIRE(test::redis_server::installed());
  test::redis_server redis;
  redis_options o;
  o.port = redis.port();
  o.timeout = 2s;
  check_keepalive(connected(o).fd(), 60, 30, 3);
  o.keepalive_idle = 61s;
  o.keepalive_interval = 29s;
  o.keepalive_count = 4;
  check_keepalive(connected(o).fd(), 61, 29, 4);
}

TEST_CASE("under load the node keeps to redis.max-connections, each with the configured keep-alive",
          "[redis][pool]") {
  node_with_redis f{[](node_config& c) {
    c.loader_kind = "synthetic";
    c.redis_pool_size = 3;
    c.redis_max_connections = 3;
    c.redis_keepalive_idle = 45s;
    c.redis_keepalive_interval = 15s;
    c.redis_keepalive_count = 5;
  }};
  // 2,000 distinct keys at once: every one misses L1, reads L2, computes and writes L2.
  std::vector<std::string> keys;
  for (int i = 0; i < 2000; ++i)
    keys.push_back("load-" + std::to_string(i));
  size_t most = 0;
  for (int round = 0; round < 3; ++round) {
    bool answered = false;
    f.self->request(f.node.front, 20s, get_many_atom::value, keys)
      .receive([&](const lookup_results& r) { answered = r.size() == keys.size(); },
               [](caf::error&) {});
    REQUIRE(answered);
    most = std::max(most, sockets_to(f.redis.port()).size());
  }
  CHECK(most == 3);
  for (int fd : sockets_to(f.redis.port()))
    check_keepalive(fd, 45, 15, 5);
}
