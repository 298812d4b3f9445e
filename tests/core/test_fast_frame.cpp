// Tests for the fast lookup protocol's frames (encode, frame_reader, parsers) and its TCP helpers (send_buffer, listen, connect).
#include <catch2/catch.hpp>

#include "../../core/fast_frame.hpp"
#include "../../net/tcp_socket.hpp"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <cerrno>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

using namespace ac;
using namespace std::chrono_literals;

namespace {

using result = ac::fast::plain_result;

bool same(const result& a, const result& b) {
  return a.found == b.found && a.source == b.source && a.value == b.value && a.hot == b.hot;
}

/// The body of the one frame in `frame` (its length prefix checked and dropped).
std::string body_of(const std::string& frame) {
  REQUIRE(frame.size() >= 4);
  fast::cursor c{std::string_view{frame}.substr(0, 4)};
  REQUIRE(c.u32() == frame.size() - 4);
  return frame.substr(4);
}

/// Reads one frame back through a frame_reader and returns its body.
std::string read_one(const std::string& frame) {
  fast::frame_reader reader{1u << 20};
  reader.feed(frame);
  auto body = reader.next();
  REQUIRE(body);
  std::string out{*body};
  CHECK_FALSE(reader.next());
  CHECK_FALSE(reader.failed());
  return out;
}

const std::string binary_key{"a\0b\xff\x01", 5};

/// Closes the given descriptors at scope exit.
/// Both ends of a connected AF_UNIX stream socket pair, closed at scope end.
struct fds {
  int a = -1, b = -1;
  fds() {
    int sv[2];
    REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
    a = sv[0];
    b = sv[1];
  }
  fds(const fds&) = delete;
  fds& operator=(const fds&) = delete;
  ~fds() {
    if (a >= 0)
      ::close(a);
    if (b >= 0)
      ::close(b);
  }
};

/// Reads whatever `fd` has now (non-blocking) into `into`; false on EOF or error.
bool drain(int fd, std::string& into) {
  char buf[65536];
  for (int i = 0; i < 100000; ++i) {
    auto n = ::recv(fd, buf, sizeof buf, MSG_DONTWAIT);
    if (n > 0) {
      into.append(buf, static_cast<size_t>(n));
      continue;
    }
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
      return true;
    if (n < 0 && errno == EINTR)
      continue;
    return false;
  }
  return true;
}

std::string pattern(size_t n) {
  std::string s(n, '\0');
  for (size_t i = 0; i < n; ++i)
    s[i] = static_cast<char>((i * 131 + i / 251) & 0xff);
  return s;
}

} // namespace

// -- round trips -----------------------------------------------------------------------------

TEST_CASE("a request frame round-trips through the reader and parser", "[fast]") {
  std::vector<std::string> keys{"alpha", "", binary_key, std::string(300, 'k')};
  bool routed = GENERATE(false, true);
  fast::request in;
  in.id = 0x0102030405060708ull;
  in.routed = routed;
  in.epoch = routed ? 0xfedcba9876543210ull : 7;
  in.keys = keys;
  std::string frame;
  fast::append_request(frame, in);
  auto body = read_one(frame);
  CHECK(body == body_of(frame));
  auto out = fast::parse_request(body);
  REQUIRE(out);
  CHECK(out->id == in.id);
  CHECK(out->routed == routed);
  CHECK(out->epoch == in.epoch);
  CHECK(out->keys == keys);
  CHECK(out->keys[2].size() == 5);
  // The same through the explicit-argument overload.
  std::string again;
  fast::append_request(again, in.id, in.routed, in.epoch, in.keys);
  CHECK(again == frame);
}

TEST_CASE("a request with no keys round-trips", "[fast]") {
  std::string frame;
  fast::append_request(frame, 42, false, 0, {});
  auto out = fast::parse_request(body_of(frame));
  REQUIRE(out);
  CHECK(out->id == 42);
  CHECK_FALSE(out->routed);
  CHECK(out->keys.empty());
}

TEST_CASE("a results frame round-trips with flags, source and binary values", "[fast]") {
  std::vector<result> in{{true, 3, "value one", false},
                         {false, 0, "", false},
                         {true, 1, std::string("\0\x01\xff\0", 4), true},
                         {false, 255, "not found but hot", true},
                         {true, 2, std::string(70000, 'v'), false}};
  std::string frame;
  fast::append_results(frame, 99, in);
  auto body = read_one(frame);
  fast::answer_head head;
  head.what = fast::answer_kind::error;
  std::vector<result> out{{true, 9, "stale", true}}; // overwritten, not appended to
  fast::failure failed;
  REQUIRE(fast::parse_answer(body, head, out, failed));
  CHECK(head.what == fast::answer_kind::results);
  CHECK(head.id == 99);
  REQUIRE(out.size() == in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    INFO("result " << i);
    CHECK(same(out[i], in[i]));
  }
}

TEST_CASE("a results frame with zero results round-trips", "[fast]") {
  std::string frame;
  fast::append_results(frame, 5, std::vector<result>{});
  fast::answer_head head;
  std::vector<result> out{{true, 1, "old", false}};
  fast::failure failed;
  REQUIRE(fast::parse_answer(read_one(frame), head, out, failed));
  CHECK(head.what == fast::answer_kind::results);
  CHECK(head.id == 5);
  CHECK(out.empty());
}

TEST_CASE("a failure frame round-trips with its code and reason", "[fast]") {
  fast::failure in{0xabcdef0123456789ull, 17, std::string("overloaded\0 node", 16)};
  std::string frame;
  fast::append_failure(frame, in);
  fast::answer_head head;
  std::vector<result> out;
  fast::failure failed;
  REQUIRE(fast::parse_answer(read_one(frame), head, out, failed));
  CHECK(head.what == fast::answer_kind::error);
  CHECK(head.id == in.id);
  CHECK(failed.id == in.id);
  CHECK(failed.code == 17);
  CHECK(failed.reason == in.reason);
  // An empty reason too.
  std::string frame2;
  fast::append_failure(frame2, fast::failure{1, 0, ""});
  REQUIRE(fast::parse_answer(body_of(frame2), head, out, failed));
  CHECK(failed.id == 1);
  CHECK(failed.code == 0);
  CHECK(failed.reason.empty());
}

// -- the frame reader -------------------------------------------------------------------------

namespace {

/// Three frames of different kinds back to back, and their bodies.
struct stream {
  std::string bytes;
  std::vector<std::string> bodies;
  stream() {
    std::string f;
    fast::append_request(f, 1, false, 0, {"a", "", binary_key});
    bodies.push_back(body_of(f));
    bytes += f;
    f.clear();
    fast::append_results(f, 2, std::vector<result>{{true, 1, std::string(1000, 'x'), true}});
    bodies.push_back(body_of(f));
    bytes += f;
    f.clear();
    fast::append_failure(f, fast::failure{3, 4, "why"});
    bodies.push_back(body_of(f));
    bytes += f;
    f.clear();
    fast::append_request(f, 4, true, 9, {});
    bodies.push_back(body_of(f));
    bytes += f;
  }
};

/// Feeds `s` in chunks of the given sizes (cycled), taking bodies as they complete; checks
/// that next() has nothing before a frame's last byte arrived.
std::vector<std::string> read_in_chunks(const stream& s, const std::vector<size_t>& chunks,
                                        bool use_prepare) {
  fast::frame_reader reader{1u << 20};
  std::vector<std::string> got;
  // Where each frame ends in the stream.
  std::vector<size_t> ends;
  size_t at = 0;
  for (const auto& b : s.bodies)
    ends.push_back(at += 4 + b.size());
  size_t fed = 0;
  for (size_t i = 0; fed < s.bytes.size(); ++i) {
    size_t n = std::min(chunks[i % chunks.size()], s.bytes.size() - fed);
    if (use_prepare) {
      char* p = reader.prepare(n + 7); // more room than used
      std::memcpy(p, s.bytes.data() + fed, n);
      reader.commit(n);
    } else {
      reader.feed(std::string_view{s.bytes}.substr(fed, n));
    }
    fed += n;
    while (auto body = reader.next()) {
      REQUIRE(got.size() < ends.size());
      CHECK(fed >= ends[got.size()]); // not before its last byte arrived
      got.emplace_back(*body);
    }
    // Every frame whose last byte arrived has come out.
    size_t complete = 0;
    while (complete < ends.size() && ends[complete] <= fed)
      ++complete;
    REQUIRE(got.size() == complete);
  }
  CHECK_FALSE(reader.next());
  CHECK_FALSE(reader.failed());
  return got;
}

} // namespace

TEST_CASE("several frames fed byte by byte come out one by one and intact", "[fast]") {
  stream s;
  bool use_prepare = GENERATE(false, true);
  CHECK(read_in_chunks(s, {1}, use_prepare) == s.bodies);
}

TEST_CASE("several frames fed in odd chunks come out one by one and intact", "[fast]") {
  stream s;
  auto chunks = GENERATE(std::vector<size_t>{3}, std::vector<size_t>{7, 1, 13},
                         std::vector<size_t>{4}, std::vector<size_t>{1000, 2, 5},
                         std::vector<size_t>{100000});
  bool use_prepare = GENERATE(false, true);
  CHECK(read_in_chunks(s, chunks, use_prepare) == s.bodies);
}

TEST_CASE("next returns nothing until a frame is complete", "[fast]") {
  std::string frame;
  fast::append_request(frame, 1, false, 0, {"key"});
  fast::frame_reader reader{1u << 20};
  CHECK_FALSE(reader.next()); // nothing fed
  for (size_t i = 0; i + 1 < frame.size(); ++i) {
    reader.feed(std::string_view{frame}.substr(i, 1));
    CHECK_FALSE(reader.next());
    CHECK_FALSE(reader.failed());
  }
  reader.feed(std::string_view{frame}.substr(frame.size() - 1));
  auto body = reader.next();
  REQUIRE(body);
  CHECK(*body == body_of(frame));
  CHECK_FALSE(reader.next());
}

TEST_CASE("an empty frame body comes out as an empty body, which no parser accepts", "[fast]") {
  fast::frame_reader reader{16};
  reader.feed(std::string("\0\0\0\0", 4));
  auto body = reader.next();
  REQUIRE(body);
  CHECK(body->empty());
  CHECK_FALSE(fast::parse_request(*body));
  fast::answer_head head;
  std::vector<result> out;
  fast::failure failed;
  CHECK_FALSE(fast::parse_answer(*body, head, out, failed));
}

TEST_CASE("a frame longer than max_body makes the reader fail and stay failed", "[fast]") {
  std::string big;
  fast::append_request(big, 1, false, 0, {std::string(100, 'x')});
  std::string small;
  fast::append_request(small, 2, false, 0, {"y"});
  uint32_t max = static_cast<uint32_t>(big.size() - 4 - 1); // one byte too small for big
  REQUIRE(small.size() - 4 <= max);

  SECTION("a body of exactly max_body is accepted") {
    fast::frame_reader reader{static_cast<uint32_t>(big.size() - 4)};
    reader.feed(big);
    CHECK(reader.next());
    CHECK_FALSE(reader.failed());
  }
  SECTION("the failure shows as soon as the length prefix is in") {
    fast::frame_reader reader{max};
    reader.feed(small);
    REQUIRE(reader.next()); // frames before the long one still come out
    reader.feed(std::string_view{big}.substr(0, 3));
    CHECK_FALSE(reader.next());
    CHECK_FALSE(reader.failed());
    reader.feed(std::string_view{big}.substr(3, 1));
    CHECK_FALSE(reader.next());
    CHECK(reader.failed());
    // More bytes, even whole valid frames, do not revive it.
    reader.feed(std::string_view{big}.substr(4));
    reader.feed(small);
    for (int i = 0; i < 3; ++i) {
      CHECK_FALSE(reader.next());
      CHECK(reader.failed());
    }
  }
  SECTION("a huge length prefix fails without waiting for its body") {
    fast::frame_reader reader{1u << 20};
    reader.feed(std::string("\xff\xff\xff\xff", 4));
    CHECK_FALSE(reader.next());
    CHECK(reader.failed());
    reader.feed(small);
    CHECK_FALSE(reader.next());
    CHECK(reader.failed());
  }
}

// -- malformed bodies ---------------------------------------------------------------------------

TEST_CASE("a request body with a wrong kind byte is rejected", "[fast]") {
  std::string frame;
  fast::append_request(frame, 1, false, 0, {"a", "b"});
  auto body = body_of(frame);
  for (int k : {0, 3, 4, 0x81, 0xff}) {
    INFO("kind " << k);
    body[0] = static_cast<char>(k);
    CHECK_FALSE(fast::parse_request(body));
  }
  body[0] = 2; // routed is a valid kind
  CHECK(fast::parse_request(body));
}

TEST_CASE("an answer body with a wrong kind byte is rejected", "[fast]") {
  std::string frame;
  fast::append_results(frame, 1, std::vector<result>{{true, 1, "v", false}});
  auto body = body_of(frame);
  fast::answer_head head;
  std::vector<result> out;
  fast::failure failed;
  for (int k : {0, 3, 0xff}) {
    INFO("kind " << k);
    body[0] = static_cast<char>(k);
    CHECK_FALSE(fast::parse_answer(body, head, out, failed));
  }
}

TEST_CASE("every truncation of a valid request body is rejected", "[fast]") {
  std::string frame;
  fast::append_request(frame, 77, true, 3, {"first", "", binary_key, "last key"});
  auto body = body_of(frame);
  REQUIRE(fast::parse_request(body));
  for (size_t n = 0; n < body.size(); ++n) {
    INFO("prefix of " << n << " of " << body.size() << " bytes");
    CHECK_FALSE(fast::parse_request(std::string_view{body}.substr(0, n)));
  }
}

TEST_CASE("a request body with trailing bytes is rejected", "[fast]") {
  std::string frame;
  fast::append_request(frame, 1, false, 0, {"a"});
  auto body = body_of(frame);
  CHECK_FALSE(fast::parse_request(body + '\0'));
  CHECK_FALSE(fast::parse_request(body + "xyz"));
  std::string empty_frame;
  fast::append_request(empty_frame, 1, false, 0, {});
  CHECK_FALSE(fast::parse_request(body_of(empty_frame) + std::string(4, '\0')));
}

TEST_CASE("a key count larger than the body could hold is rejected", "[fast]") {
  std::string body;
  fast::put_u8(body, 1);
  fast::put_u64(body, 1);
  fast::put_u64(body, 0);
  SECTION("a huge count") {
    fast::put_u32(body, 0xffffffffu);
    body += std::string(16, '\0'); // four empty keys' worth
    CHECK_FALSE(fast::parse_request(body));
  }
  SECTION("one more key than the bytes that follow") {
    fast::put_u32(body, 3);
    for (int i = 0; i < 2; ++i)
      fast::put_u32(body, 0); // two empty keys
    CHECK_FALSE(fast::parse_request(body));
  }
  SECTION("a key length past the end") {
    fast::put_u32(body, 1);
    fast::put_u32(body, 1000);
    body += "short";
    CHECK_FALSE(fast::parse_request(body));
  }
}

TEST_CASE("a result count larger than the body could hold is rejected", "[fast]") {
  std::string body;
  fast::put_u8(body, 1);
  fast::put_u64(body, 1);
  fast::put_u32(body, 0x7fffffffu);
  body += std::string(12, '\0'); // two empty results
  fast::answer_head head;
  std::vector<result> out;
  fast::failure failed;
  CHECK_FALSE(fast::parse_answer(body, head, out, failed));
}

TEST_CASE("parse_answer rejects every truncation of a valid answer body", "[fast]") {
  std::string frame;
  bool results = GENERATE(true, false);
  if (results)
    fast::append_results(frame, 8, std::vector<result>{{true, 1, "one", true}, {false, 0, "", false},
                                                       {true, 2, std::string("\0\0", 2), false}});
  else
    fast::append_failure(frame, fast::failure{8, 3, "no such node"});
  auto body = body_of(frame);
  fast::answer_head head;
  std::vector<result> out;
  fast::failure failed;
  REQUIRE(fast::parse_answer(body, head, out, failed));
  for (size_t n = 0; n < body.size(); ++n) {
    INFO("prefix of " << n << " of " << body.size() << " bytes");
    CHECK_FALSE(fast::parse_answer(std::string_view{body}.substr(0, n), head, out, failed));
  }
  INFO("trailing byte");
  CHECK_FALSE(fast::parse_answer(body + 'x', head, out, failed));
}

// -- send_buffer ------------------------------------------------------------------------------

TEST_CASE("send_buffer sends small data at once", "[fast]") {
  fds p;
  send_buffer out;
  CHECK(out.flush(p.a) == send_buffer::status::sent); // nothing to send
  out.out() = "hello";
  CHECK(out.pending() == 5);
  CHECK(out.flush(p.a) == send_buffer::status::sent);
  CHECK(out.pending() == 0);
  CHECK(out.out().empty());
  std::string got;
  for (int i = 0; i < 100 && got.size() < 5; ++i) {
    pollfd pf{p.b, POLLIN, 0};
    ::poll(&pf, 1, 100);
    REQUIRE(drain(p.b, got));
  }
  CHECK(got == "hello");
}

TEST_CASE("send_buffer never blocks on a peer that does not read, and delivers everything in order once it does",
          "[fast]") {
  fds p;
  const size_t total = 16u << 20; // far more than a socket buffer
  auto data = pattern(total);
  send_buffer out;
  out.out() = data;
  auto start = std::chrono::steady_clock::now();
  CHECK(out.flush(p.a) == send_buffer::status::pending);
  CHECK(std::chrono::steady_clock::now() - start < 5s);
  CHECK(out.pending() > 0);
  CHECK(out.pending() < total);
  // Again: still pending, nothing lost.
  auto before = out.pending();
  CHECK(out.flush(p.a) == send_buffer::status::pending);
  CHECK(out.pending() <= before);

  // More appended while pending goes out after the rest.
  const std::string tail = "-the end-";
  out.out() += tail;
  std::string got;
  auto status = send_buffer::status::pending;
  for (int i = 0; i < 100000 && (status != send_buffer::status::sent || got.size() < total + tail.size());
       ++i) {
    REQUIRE(drain(p.b, got));
    if (status != send_buffer::status::sent)
      status = out.flush(p.a);
    REQUIRE(status != send_buffer::status::broken);
    if (got.size() < total + tail.size()) {
      pollfd pf{p.b, POLLIN, 0};
      ::poll(&pf, 1, 10);
    }
  }
  CHECK(status == send_buffer::status::sent);
  CHECK(out.pending() == 0);
  REQUIRE(got.size() == total + tail.size());
  CHECK(got.compare(0, total, data) == 0); // compare, not CHECK(==): no 16 MiB message on failure
  CHECK(got.substr(total) == tail);
}

TEST_CASE("send_buffer reports broken once the peer has closed", "[fast]") {
  fds p;
  ::close(p.b);
  p.b = -1;
  send_buffer out;
  auto status = send_buffer::status::sent;
  for (int i = 0; i < 10 && status != send_buffer::status::broken; ++i) {
    out.out() += std::string(4096, 'z');
    status = out.flush(p.a);
  }
  CHECK(status == send_buffer::status::broken);
}

TEST_CASE("send_buffer reports broken when the peer closes with data pending", "[fast]") {
  fds p;
  send_buffer out;
  out.out() = pattern(8u << 20);
  REQUIRE(out.flush(p.a) == send_buffer::status::pending);
  ::close(p.b);
  p.b = -1;
  auto status = send_buffer::status::pending;
  for (int i = 0; i < 10 && status != send_buffer::status::broken; ++i) {
    out.out() += "more";
    status = out.flush(p.a);
  }
  CHECK(status == send_buffer::status::broken);
}

// -- listen and connect -------------------------------------------------------------------------

TEST_CASE("tcp_listen on port 0 picks a port that tcp_connect reaches", "[fast]") {
  fds l;
  uint16_t port = 0;
  std::string err;
  l.a = tcp_listen("127.0.0.1", 0, port, err);
  REQUIRE(l.a >= 0);
  CHECK(err.empty());
  CHECK(port != 0);
  CHECK((::fcntl(l.a, F_GETFL) & O_NONBLOCK) != 0); // accepted in an event loop

  fds c;
  c.a = tcp_connect("127.0.0.1", port, 2000ms, err);
  INFO(err);
  REQUIRE(c.a >= 0);
  CHECK((::fcntl(c.a, F_GETFL) & O_NONBLOCK) == 0); // left blocking
  int nodelay = 0;
  socklen_t len = sizeof nodelay;
  REQUIRE(::getsockopt(c.a, IPPROTO_TCP, TCP_NODELAY, &nodelay, &len) == 0);
  CHECK(nodelay != 0);

  // The listener accepts it and bytes flow.
  pollfd pf{l.a, POLLIN, 0};
  REQUIRE(::poll(&pf, 1, 2000) == 1);
  c.b = ::accept(l.a, nullptr, nullptr);
  REQUIRE(c.b >= 0);
  send_buffer out;
  out.out() = "ping";
  CHECK(out.flush(c.a) == send_buffer::status::sent);
  std::string got;
  for (int i = 0; i < 100 && got.size() < 4; ++i) {
    pollfd rf{c.b, POLLIN, 0};
    ::poll(&rf, 1, 100);
    REQUIRE(drain(c.b, got));
  }
  CHECK(got == "ping");
}

TEST_CASE("tcp_connect to a closed port fails with an error message", "[fast]") {
  uint16_t port = 0;
  std::string err;
  int l = tcp_listen("127.0.0.1", 0, port, err);
  REQUIRE(l >= 0);
  ::close(l); // the port is now (very likely) closed
  err.clear();
  auto start = std::chrono::steady_clock::now();
  int fd = tcp_connect("127.0.0.1", port, 2000ms, err);
  if (fd >= 0)
    ::close(fd);
  CHECK(fd < 0);
  CHECK_FALSE(err.empty());
  CHECK(std::chrono::steady_clock::now() - start < 3s);
}
