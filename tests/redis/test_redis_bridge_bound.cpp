// The Redis bridge bounds every batch it hands a worker itself (no CAF request timeout): past the bound its waiters are answered, once.
//
// The server here is a socket that listens and never answers: the kernel completes the TCP
// handshake, so the worker connects, sends its batch and waits out redis.timeout. With the
// bridge's batch bound below that timeout, only the bridge's own sweep can answer the waiters
// in time; the worker's late failure must then change nothing (no second answer, no second
// count).
#include <catch2/catch.hpp>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <optional>
#include <thread>
#include <utility>

#include "actors/redis_bridge.hpp"
#include "tests/support/node_fixture.hpp"

using namespace ac;
using namespace std::chrono_literals;

namespace {

/// A loopback TCP port that takes connections into its backlog and never reads or answers.
struct silent_server {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  uint16_t port = 0;

  silent_server() {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (fd >= 0 && ::bind(fd, reinterpret_cast<sockaddr*>(&addr), len) == 0 && ::listen(fd, 16) == 0
        && ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0)
      port = ntohs(addr.sin_port);
  }
  ~silent_server() {
    if (fd >= 0)
      ::close(fd);
  }
};

struct bridge_fixture {
  node_config cfg = test::make_config([](node_config&) {});
  caf::actor_system sys{cfg};
  caf::scoped_actor self{sys};
  silent_server server;
  redis_bridge_actor bridge;

  /// `listening` false: the port is closed before the bridge starts, so every connect is refused.
  explicit bridge_fixture(bool listening = true, uint32_t pool_size = 1) {
    REQUIRE(server.port != 0);
    if (!listening) {
      ::close(server.fd);
      server.fd = -1;
    }
    redis_bridge_config bc;
    bc.redis.port = server.port;
    bc.redis.timeout = 1500ms; // the worker waits this long for the reply that never comes
    bc.batch_bound = 200ms;    // the bridge gives up long before
    bc.pool_size = pool_size;
    bridge = sys.spawn(redis_bridge, bc);
  }
  ~bridge_fixture() { self->send_exit(bridge, caf::exit_reason::kill); }

  int64_t counter(const char* name) { return test::stats_counter(self, bridge, name); }

  /// Asks the bridge (10 s at most) for a `T`; the answer and how long it took.
  template <class T, class... Ts>
  std::pair<std::optional<T>, std::chrono::steady_clock::duration> ask(Ts&&... xs) {
    auto start = std::chrono::steady_clock::now();
    std::optional<T> out;
    self->request(bridge, 10s, std::forward<Ts>(xs)...)
      .receive([&](T& x) { out = std::move(x); }, [&](caf::error& e) { FAIL(describe(e)); });
    return {std::move(out), std::chrono::steady_clock::now() - start};
  }
};

} // namespace

TEST_CASE(
  "A write whose worker does not answer within the bridge's bound is answered as unknown "
  "(it left, Redis may have it) at the bound, once, and counted once",
  "[redis][bridge]") {
  bridge_fixture f;
  auto [outcome, took] =
    f.ask<uint8_t>(l2_put_atom::value, std::string{"k"}, std::string{"v"}, uint32_t{60});
  REQUIRE(outcome.has_value());
  CHECK(l2_outcome_of(*outcome) == l2_outcome::unknown);
  // The bound (200 ms) plus at most one sweep interval (50 ms), well before the worker's own
  // 1.5 s; generous for a loaded machine, still far from what the worker alone would give.
  CHECK(took >= 190ms);
  CHECK(took < 1200ms);
  CHECK(f.counter("writes_dropped") == 1);
  CHECK(f.counter("l2_errors") == 1);
  // The worker's own failure arrives after its 1.5 s: dropped, nothing counted twice.
  std::this_thread::sleep_for(1600ms); // NOLINT: waiting out a fixed timeout is the point
  CHECK(f.counter("writes_dropped") == 1);
  CHECK(f.counter("l2_errors") == 1);
}

TEST_CASE(
  "A read whose worker does not answer within the bridge's bound reads as a miss at the "
  "bound",
  "[redis][bridge]") {
  bridge_fixture f;
  auto [r, took] = f.ask<lookup_result>(l2_get_atom::value, std::string{"k"});
  REQUIRE(r.has_value());
  CHECK_FALSE(r->found);
  CHECK(took < 1200ms);
  CHECK(f.counter("l2_misses") == 0); // not a miss Redis said: a failed batch
  CHECK(f.counter("l2_errors") == 1);
}

TEST_CASE(
  "A write and a delete that could not leave (no connection to Redis) are answered as not "
  "written",
  "[redis][bridge]") {
  bridge_fixture f{false};
  auto [put, put_took] =
    f.ask<uint8_t>(l2_put_atom::value, std::string{"k"}, std::string{"v"}, uint32_t{60});
  REQUIRE(put.has_value());
  CHECK(l2_outcome_of(*put) == l2_outcome::not_written);
  CHECK(put_took < 1200ms); // the refused connect answers, not a bound
  auto [del, del_took] = f.ask<uint8_t>(l2_del_atom::value, std::string{"k"});
  REQUIRE(del.has_value());
  CHECK(l2_outcome_of(*del) == l2_outcome::not_written);
}

TEST_CASE(
  "After a write went unanswered past the bound, a new write of its key waits until the "
  "worker holding the old one answers; other keys do not wait",
  "[redis][bridge]") {
  bridge_fixture f{true, 2}; // two connections: the new write could take the free one
  auto put = [&](const std::string& key) {
    return f.ask<uint8_t>(l2_put_atom::value, key, std::string{"v"}, uint32_t{60});
  };
  auto [first, first_took] = put("k"); // its worker waits out its 1.5 s
  REQUIRE(first.has_value());
  CHECK(l2_outcome_of(*first) == l2_outcome::unknown);
  auto [other, other_took] = put("other"); // the free connection takes it at once
  REQUIRE(other.has_value());
  CHECK(other_took < 1000ms);
  // Redis may still apply the first write of k: the second must not reach it sooner, or the
  // old value would land last. It leaves once the first's worker has answered (1.5 s after it
  // began), then meets the bound like every write here.
  auto [second, second_took] = put("k");
  REQUIRE(second.has_value());
  CHECK(l2_outcome_of(*second) == l2_outcome::unknown);
  CHECK(first_took + other_took + second_took >= 1500ms);
}
