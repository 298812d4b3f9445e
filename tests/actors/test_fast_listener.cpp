// In-process tests of the fast lookup port: a client that stops reading is cut off, others go on being served.
#include <catch2/catch.hpp>

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <optional>
#include <string>
#include <vector>

#include "actors/fast_listener.hpp"
#include "core/fast_frame.hpp"
#include "net/tcp_socket.hpp"
#include "tests/support/node_fixture.hpp"

using namespace std::chrono_literals;

namespace {

using result = ac::fast::plain_result;

int connect_fast(const ac::fast_listener& l) {
  std::string err;
  int fd = ac::tcp_connect("127.0.0.1", l.port(), 2s, err);
  INFO(err);
  REQUIRE(fd >= 0);
  return fd;
}

void send_request(int fd, uint64_t id, const std::vector<std::string>& keys) {
  std::string frame;
  ac::fast::append_request(frame, id, false, 0, keys);
  REQUIRE(::send(fd, frame.data(), frame.size(), MSG_NOSIGNAL)
          == static_cast<ssize_t>(frame.size()));
}

// Reads one answer frame (bounded by `bound`) through `in`, which keeps what came after it;
// nullopt on EOF or timeout.
std::optional<std::vector<result>> read_answer(int fd, ac::fast::frame_reader& in, uint64_t& id,
                                               std::chrono::milliseconds bound) {
  auto deadline = std::chrono::steady_clock::now() + bound;
  while (std::chrono::steady_clock::now() < deadline) {
    if (auto body = in.next()) {
      ac::fast::answer_head head;
      std::vector<result> rs;
      ac::fast::failure failed;
      if (!ac::fast::parse_answer(*body, head, rs, failed) || head.what != ac::fast::answer_kind::results)
        return std::nullopt;
      id = head.id;
      return rs;
    }
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 50) != 1)
      continue;
    auto n = ::recv(fd, in.prepare(65536), 65536, 0);
    if (n <= 0)
      return std::nullopt;
    in.commit(static_cast<size_t>(n));
  }
  return std::nullopt;
}

} // namespace

TEST_CASE("a client that leaves its answers unread past the bound is cut off and others are served",
          "[fast][actors]") {
  ac::test::node_fixture f;
  REQUIRE(f.put("big", std::string(64 * 1024, 'v')).empty());
  ac::fast_listener_options opts;
  opts.max_pending_answer_bytes = 256 * 1024;
  ac::fast_listener listener{opts};
  std::string err;
  REQUIRE(listener.bind("127.0.0.1", 0, err));
  listener.start(f.sys, f.node.front);

  // 25 MiB of answers: more than the loopback socket buffers hold (a few MiB each way), so the
  // rest piles up in the node. (A tiny SO_RCVBUF would fill sooner, but then TCP sends no window
  // updates and draining it below crawls on the persist timer.)
  int slow = connect_fast(listener);
  for (uint64_t id = 1; id <= 400; ++id)
    send_request(slow, id, {"big"});
  // The node gives up on it once more than 256 KiB wait (the port's stats count it), and
  // reading now yields the answers that did go out, then the end of the stream.
  auto counter = [&](const char* name) {
    int64_t n = -1;
    f.self->request(listener.stats_actor(), 5s, ac::stats_atom::value)
      .receive([&](const ac::actor_stats& row) { n = row.counters.at(name); },
               [](caf::error&) {});
    return n;
  };
  CHECK(f.eventually([&] { return counter("cut_off") == 1; }, 10s));
  int answers = 0;
  uint64_t id = 0;
  ac::fast::frame_reader slow_in{64u << 20};
  while (read_answer(slow, slow_in, id, 5s))
    ++answers;
  CHECK(answers > 0);
  CHECK(answers < 400);
  ::close(slow);

  // Another client is served as usual.
  int fine = connect_fast(listener);
  send_request(fine, 7, {"big", "absent"});
  ac::fast::frame_reader fine_in{64u << 20};
  auto rs = read_answer(fine, fine_in, id, 10s);
  REQUIRE(rs);
  CHECK(id == 7);
  REQUIRE(rs->size() == 2);
  CHECK((*rs)[0].found);
  CHECK((*rs)[0].value.size() > 64 * 1024);  // the Entry around the 64 KiB value
  CHECK(!(*rs)[1].found);
  ::close(fine);
  listener.stop();
}

TEST_CASE("stopping the fast port lets sessions answer what they read, then closes them",
          "[fast][actors]") {
  ac::test::node_fixture f;
  REQUIRE(f.put("k", "v").empty());
  ac::fast_listener listener;
  std::string err;
  REQUIRE(listener.bind("127.0.0.1", 0, err));
  listener.start(f.sys, f.node.front);
  int fd = connect_fast(listener);
  send_request(fd, 1, {"k"});
  uint64_t id = 0;
  ac::fast::frame_reader in{1u << 20};
  REQUIRE(read_answer(fd, in, id, 10s));  // the session is up and has answered once
  listener.stop();
  // After stop the socket is closed by its session: reading ends with EOF, never hangs.
  bool closed = f.eventually(
    [&] {
      char b;
      pollfd p{fd, POLLIN, 0};
      return ::poll(&p, 1, 0) == 1 && ::recv(fd, &b, 1, MSG_DONTWAIT) == 0;
    },
    10s);
  CHECK(closed);
  ::close(fd);
}
