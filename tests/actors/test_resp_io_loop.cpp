// The RESP edge's I/O loops in process: what a loop answers itself (hits, final misses, plain SETs,
// tensors, get_or_compute's hits), in request order, beside what it leaves to the session.
#include <catch2/catch.hpp>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <hiredis/hiredis.h>

#include "tests/support/raw_socket.hpp"
#include "tests/support/resp_fixture.hpp"

using namespace ac;
using namespace ac::test;

namespace {

/// Runs `pipeline(c)` on fresh connections with a 4 KB receive buffer (the node's socket fills
/// at once and the node keeps the rest) whose session went idle after a PING (the I/O loop
/// serves it), until the loop answered at least `served` commands of one run; 20 runs at most.
/// Whether the loop or the session reads a pipeline depends on timing; the answers must not.
template <class Pipeline>
bool loop_serves_through_a_small_window(resp_fixture& f, int64_t served, Pipeline pipeline) {
  for (int attempt = 0; attempt < 20; ++attempt) {
    conn c{f.port};
    int small_buffer = 4096;
    REQUIRE(setsockopt(c.fd(), SOL_SOCKET, SO_RCVBUF, &small_buffer, sizeof small_buffer) == 0);
    REQUIRE(str(c.run({"PING"})) == "PONG");
    auto before = f.resp_counter("loop_commands");
    pipeline(c);
    if (f.resp_counter("loop_commands") - before >= served)
      return true;
  }
  return false;
}

/// Puts the two values that check_reads and the loop tests expect in L1: a = va, b = vb.
void put_a_and_b(node_fixture& f) {
  REQUIRE(f.put("a", "va").empty());
  REQUIRE(f.put("b", "vb").empty());
}

/// GET and MGET of keys in L1 and of keys not yet there (the synthetic loader computes them on
/// the first read), sequentially: the same answers whoever serves them (the I/O loop while the
/// connection is idle, or its session). `tag` keeps the computed keys of two calls apart.
void check_reads(conn& c, const std::string& tag, int rounds) {
  for (int i = 0; i < rounds; ++i) {
    auto fresh = tag + "-fresh-" + std::to_string(i);
    auto other = tag + "-other-" + std::to_string(i);
    CHECK(str(c.run({"GET", "a"})) == "va");
    auto half = c.run({"MGET", "a", fresh, "b"});
    CHECK(element(half, 0) == "va");
    CHECK(element(half, 2) == "vb");
    auto computed = element(half, 1);
    CHECK(computed != "(nil)");
    CHECK(str(c.run({"GET", fresh})) == computed); // now an L1 hit: the same bytes
    auto got = c.run({"GET", other});
    CHECK(got->type == REDIS_REPLY_STRING);
    auto whole = c.run({"MGET", "b", "a"});
    CHECK(element(whole, 0) == "vb");
    CHECK(element(whole, 1) == "va");
  }
}

node_fixture::configure_fn synthetic_loader() {
  return [](node_config& c) { c.loader_kind = "synthetic"; };
}

} // namespace

TEST_CASE(
  "An idle connection's hits are answered by the I/O loop and its misses by the session, "
  "each in order",
  "[resp]") {
  resp_fixture f{true, synthetic_loader()};
  put_a_and_b(f);
  conn c{f.port};
  check_reads(c, "seq", 50);
  auto served = f.resp_counter("loop_commands");
  CHECK(served > 0);
  CHECK(served <= 50 * 4); // hits only: GET a, MGET a fresh b (its hits), GET fresh, MGET b a
  // One write carrying a hit, a miss, a half-hit MGET, a write and reads of it: whatever the
  // loop answers and whatever it leaves to the session come back in request order.
  c.append({"GET", "a"});
  c.append({"GET", "pipe-miss"});
  c.append({"MGET", "a", "pipe-half", "b"});
  c.append({"SET", "c", "vc"});
  c.append({"GET", "c"});
  c.append({"MGET", "c", "a"});
  REQUIRE(c.flush());
  CHECK(str(c.next()) == "va");
  CHECK(c.next()->type == REDIS_REPLY_STRING);
  auto half = c.next();
  CHECK(element(half, 0) == "va");
  CHECK(element(half, 1) != "(nil)");
  CHECK(element(half, 2) == "vb");
  CHECK(str(c.next()) == "OK");
  CHECK(str(c.next()) == "vc");
  auto both = c.next();
  CHECK(element(both, 0) == "vc");
  CHECK(element(both, 1) == "va");
  // A write through another connection is seen by this one's next read.
  conn other{f.port};
  REQUIRE(str(other.run({"SET", "a", "va2"})) == "OK");
  CHECK(str(c.run({"GET", "a"})) == "va2");
}

TEST_CASE(
  "A pipeline longer than one batch of the loop, with a miss in its middle and a protocol error "
  "at its end, is answered in request order before the connection closes",
  "[resp]") {
  resp_fixture f{true, synthetic_loader()};
  put_a_and_b(f);
  constexpr int run = 40; // the loop parses 32 commands, prefetches their reads, answers them
  // Whether the loop or the session reads the pipeline depends on whether the session has
  // gone idle after the PING: the order must hold either way, and within a few connections
  // the loop must have served one.
  bool loop_served = false;
  for (int attempt = 0; attempt < 20 && !loop_served; ++attempt) {
    conn c{f.port};
    REQUIRE(str(c.run({"PING"})) == "PONG");
    auto before = f.resp_counter("loop_commands");
    for (int i = 0; i < run; ++i)
      c.append({"GET", i % 2 ? "a" : "b"});
    // The loader computes this one: the session takes over here.
    c.append({"GET", "batch-miss-" + std::to_string(attempt)});
    for (int i = 0; i < run; ++i)
      c.append({"GET", "a"});
    c.append({"SET", "c", "vc"});
    c.append({"GET", "c"});
    c.append_raw("*1\r\n+PING\r\n"); // a simple string is no request
    REQUIRE(c.flush());
    for (int i = 0; i < run; ++i)
      CHECK(str(c.next()) == (i % 2 ? "va" : "vb"));
    auto computed = c.next();
    REQUIRE(computed);
    CHECK(computed->type == REDIS_REPLY_STRING);
    for (int i = 0; i < run; ++i)
      CHECK(str(c.next()) == "va");
    CHECK(str(c.next()) == "OK");
    CHECK(str(c.next()) == "vc");
    auto refused = c.next();
    REQUIRE(refused);
    CHECK(refused->type == REDIS_REPLY_ERROR);
    CHECK(str(refused).rfind("ERR Protocol error", 0) == 0);
    CHECK(!c.next()); // and the connection is closed
    loop_served = f.resp_counter("loop_commands") - before >= run;
  }
  CHECK(loop_served);
}

TEST_CASE(
  "Large values the I/O loop sends from the store arrive whole and in request order, also when "
  "the client's socket is full and the node keeps the rest",
  "[resp]") {
  resp_fixture f;
  // Above direct_bulk_bytes: sent from the store's memory, whatever the socket takes at once.
  const std::string big1 = random_bytes(200u << 10), big2 = random_bytes(300u << 10);
  conn setup{f.port};
  REQUIRE(str(setup.run({"SET", "big1", big1})) == "OK");
  REQUIRE(str(setup.run({"SET", "big2", big2})) == "OK");
  REQUIRE(str(setup.run({"SET", "small", "vs"})) == "OK");
  constexpr int rounds = 8; // 5.6 MB of replies against a 4 KB receive buffer
  CHECK(loop_serves_through_a_small_window(f, 1, [&](conn& c) {
    for (int i = 0; i < rounds; ++i) {
      c.append({"GET", "big1"});
      c.append({"GET", "small"});
      c.append({"GET", "big2"});
    }
    REQUIRE(c.flush());
    for (int i = 0; i < rounds; ++i) {
      // Compared as booleans: a 200 KB mismatch is not worth printing.
      CHECK((str(c.next()) == big1));
      CHECK(str(c.next()) == "vs");
      CHECK((str(c.next()) == big2));
    }
  }));
}

TEST_CASE(
  "A client that sends its commands and closes its side gets every reply, then the node closes",
  "[resp]") {
  resp_fixture f;
  for (int i = 0; i < 20; ++i) {
    int fd = connect_to(f.port);
    REQUIRE(fd >= 0);
    timeval bound{5, 0}; // a node that never answers fails the test instead of hanging it
    REQUIRE(::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &bound, sizeof bound) == 0);
    // First a round trip, so the connection is idle and its I/O loop reads what comes next.
    REQUIRE(::send(fd, "PING\r\n", 6, 0) == 6);
    char pong[7] = {};
    REQUIRE(::recv(fd, pong, 7, MSG_WAITALL) == 7);
    REQUIRE(std::string(pong, 7) == "+PONG\r\n");
    // Then commands and the end of the stream in one segment (corked, so the FIN rides on the
    // data), as `printf ... | nc -N` may send them.
    int cork = 1;
    REQUIRE(::setsockopt(fd, IPPROTO_TCP, TCP_CORK, &cork, sizeof cork) == 0);
    std::string burst = "PING\r\nSET k v\r\nGET k\r\n";
    REQUIRE(::send(fd, burst.data(), burst.size(), 0) == static_cast<ssize_t>(burst.size()));
    ::shutdown(fd, SHUT_WR);
    std::string got;
    char buf[256];
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    bool eof = false;
    while (!eof && std::chrono::steady_clock::now() < deadline) {
      pollfd p{fd, POLLIN, 0};
      if (::poll(&p, 1, 100) != 1)
        continue;
      auto n = ::recv(fd, buf, sizeof buf, 0);
      if (n > 0)
        got.append(buf, static_cast<size_t>(n));
      else
        eof = true;
    }
    ::close(fd);
    CHECK(got == "+PONG\r\n+OK\r\n$1\r\nv\r\n");
    CHECK(eof); // and the node closed its side: no connection left half-open
  }
}

TEST_CASE(
  "Where nothing stands behind L1 the I/O loop answers misses too, and the shards count "
  "them",
  "[resp]") {
  resp_fixture f; // no loader, no Redis: a key L1 lacks is absent
  put_a_and_b(f);
  auto misses_before = total(f.report(), "misses");
  conn c{f.port};
  REQUIRE(str(c.run({"PING"})) == "PONG");
  constexpr int rounds = 20;
  for (int i = 0; i < rounds; ++i) {
    auto n = std::to_string(i);
    c.append({"GET", "a"});
    c.append({"GET", "absent-1-" + n});
    c.append({"MGET", "a", "absent-2-" + n, "b"});
    c.append({"MGET", "absent-3-" + n, "absent-4-" + n});
    REQUIRE(c.flush());
    CHECK(str(c.next()) == "va");
    CHECK(c.next()->type == REDIS_REPLY_NIL);
    auto mixed = c.next();
    CHECK(element(mixed, 0) == "va");
    CHECK(element(mixed, 1) == "(nil)");
    CHECK(element(mixed, 2) == "vb");
    auto none = c.next();
    CHECK(element(none, 0) == "(nil)");
    CHECK(element(none, 1) == "(nil)");
  }
  // Four misses a round, counted by the shards whoever answered them.
  CHECK(total(f.report(), "misses") - misses_before == 4 * rounds);
  // A miss no longer hands the rest of a read to the session: most rounds are the loop's whole
  // (a round whose first miss went to the session would give the loop one command at most).
  CHECK(f.resp_counter("loop_commands") > 2 * rounds);
}

TEST_CASE(
  "Where nothing stands behind L1 a plain SET is stored where it is read, and seen by "
  "every later read",
  "[resp]") {
  resp_fixture f; // no loader, no Redis: the shard's put would touch L1 only
  conn c{f.port};
  conn other{f.port};
  REQUIRE(str(c.run({"PING"})) == "PONG");
  auto loop_before = f.resp_counter("loop_commands");
  constexpr int rounds = 20;
  for (int i = 0; i < rounds; ++i) {
    auto v = std::to_string(i);
    c.append({"SET", "w", "v" + v});
    c.append({"GET", "w"});
    c.append({"SET", "w2", "x" + v});
    c.append({"MGET", "w", "w2"});
    REQUIRE(c.flush());
    CHECK(str(c.next()) == "OK");
    CHECK(str(c.next()) == "v" + v);
    CHECK(str(c.next()) == "OK");
    auto both = c.next();
    CHECK(element(both, 0) == "v" + v);
    CHECK(element(both, 1) == "x" + v);
    CHECK(str(other.run({"GET", "w2"})) == "x" + v); // another connection sees it at once
    CHECK(f.get("w") == "v" + v);                    // and so does the shard (CAF)
  }
  // The rounds are the loop's whole (a SET on the message path would hand it the rest).
  CHECK(f.resp_counter("loop_commands") - loop_before > 2 * rounds);
  // The TTL is the node's default, as for a put over CAF.
  auto ttl = c.run({"TTL", "w"});
  REQUIRE(ttl);
  CHECK(ttl->integer > 0);
}

TEST_CASE("With resp.loop-hits off every command goes through the session, with the same answers",
          "[resp]") {
  resp_fixture f{false, synthetic_loader()};
  put_a_and_b(f);
  conn c{f.port};
  check_reads(c, "off", 20);
  CHECK(f.resp_counter("loop_commands") == 0);
  CHECK(f.resp_counter("inline_hits") >= 20 * 4); // the session's own L1 hits still count
}

TEST_CASE(
  "The I/O loop answers AC.TENSOR.GET itself: dtype, shape and data, a 120 KB tensor whole and "
  "in request order beside bytes values and misses, also when the client's socket is full",
  "[resp]") {
  resp_fixture f;
  const std::string tensor = random_bytes(10 * 50 * 60 * 4); // the feature service's tensor
  conn setup{f.port};
  REQUIRE(str(setup.run({"AC.TENSOR.SET", "t", "float32", "10,50,60", tensor})) == "OK");
  REQUIRE(str(setup.run({"SET", "plain", "abc"})) == "OK");
  constexpr int rounds = 2; // through a 4 KB receive buffer 720 KB takes seconds
  CHECK(loop_serves_through_a_small_window(f, 4 * rounds, [&](conn& c) {
    for (int i = 0; i < rounds; ++i) {
      c.append({"AC.TENSOR.GET", "t"});
      c.append({"AC.TENSOR.GET", "plain"});
      c.append({"AC.TENSOR.GET", "nope"});
      c.append({"GET", "plain"});
    }
    REQUIRE(c.flush());
    for (int i = 0; i < rounds; ++i) {
      check_tensor_reply(c.next(), "float32", {10, 50, 60}, tensor);
      check_tensor_reply(c.next(), "bytes", {3}, "abc");
      auto miss = c.next();
      REQUIRE(miss);
      CHECK(miss->type == REDIS_REPLY_NIL);
      CHECK(str(c.next()) == "abc");
    }
  }));
}

TEST_CASE(
  "The I/O loop answers get_or_compute's hits itself as the lease keeper would (a tensor whole "
  "with dtype and shape, a bytes value, in request order); a key L1 does not hold still gets "
  "its lease, and a bad lease-ms its error",
  "[resp][lease]") {
  resp_fixture f; // nothing behind L1: a miss there is final for GET, never for AC.GETORLEASE
  const std::string tensor = random_bytes(10 * 50 * 60 * 4);
  conn setup{f.port};
  REQUIRE(str(setup.run({"AC.TENSOR.SET", "t", "float32", "10,50,60", tensor})) == "OK");
  REQUIRE(str(setup.run({"SET", "plain", "abc"})) == "OK");
  constexpr int rounds = 2;
  CHECK(loop_serves_through_a_small_window(f, 2 * rounds, [&](conn& c) {
    for (int i = 0; i < rounds; ++i) {
      c.append({"AC.GETORLEASE", "t", "30000"});
      c.append({"AC.GETORLEASE", "plain", "30000"});
    }
    REQUIRE(c.flush());
    for (int i = 0; i < rounds; ++i) {
      check_lease_value(c.next(), "float32", {10, 50, 60}, tensor);
      check_lease_value(c.next(), "", {}, "abc");
    }
  }));
  CHECK(lease_counts(f).granted == 0); // a stored value needs no lease
  // The loop reads a miss too (behind a hit it answers) and leaves it to the keeper: a lease,
  // and one miss counted (by the keeper's read of L1), not a second one by the loop.
  auto misses_before = total(f.report(), "misses");
  int misses = 0;
  CHECK(loop_serves_through_a_small_window(f, 1, [&](conn& c) {
    c.append({"AC.GETORLEASE", "plain", "30000"});
    c.append({"AC.GETORLEASE", "absent-" + std::to_string(++misses), "30000"});
    REQUIRE(c.flush());
    check_lease_value(c.next(), "", {}, "abc");
    auto miss = c.next();
    REQUIRE(miss);
    REQUIRE(miss->elements == 2);
    CHECK(std::string(miss->element[0]->str) == "lease");
  }));
  CHECK(lease_counts(f).granted == misses);
  CHECK(total(f.report(), "misses") - misses_before == misses);
  conn c{f.port};
  CHECK(str(c.run({"AC.GETORLEASE", "t", "0"})).rfind("ERR lease-ms", 0) == 0);
  CHECK(str(c.run({"AC.GETORLEASE", "t", "soon"})).rfind("ERR lease-ms", 0) == 0);
}
