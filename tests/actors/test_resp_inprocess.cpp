// The RESP listener in process: hiredis (sync and pipelined) against an in-process node, and leases between connections.
#include <catch2/catch.hpp>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <hiredis/hiredis.h>

#include "actors/resp_listener.hpp"
#include "node/publish.hpp"
#include "tests/support/node_fixture.hpp"
#include "tests/support/raw_socket.hpp"
#include "tests/support/resp_client.hpp"

using namespace ac;
using namespace ac::test;

namespace {

using reply_ptr = resp_client::reply_ptr;

/// An in-process node with its RESP port open on a free loopback port.
struct resp_fixture : node_fixture {
  resp_listener listener;
  uint16_t port = 0;
  explicit resp_fixture(
    bool loop_hits = true, node_fixture::configure_fn configure = [](node_config&) {})
    : node_fixture(std::move(configure)), listener{resp_listener_options{2, 100, loop_hits},
                                                   nullptr} {
    std::string why;
    REQUIRE(listener.bind("127.0.0.1", 0, why));
    port = listener.port();
    listener.start(sys, make_resp_env(cfg, node, "test-node", port));
  }
  ~resp_fixture() { listener.stop(); }

  /// A counter of the RESP edge's stats row ("loop_commands", ...); -1 when there is none.
  int64_t resp_counter(const std::string& name) {
    int64_t out = -1;
    self
      ->request(caf::actor_cast<caf::actor>(listener.stats_actor()), std::chrono::seconds(5),
                stats_atom::value)
      .receive(
        [&](actor_stats& row) {
          if (auto i = row.counters.find(name); i != row.counters.end())
            out = i->second;
        },
        [](caf::error&) {});
    return out;
  }
};

/// A connection to the fixture's port (tests/support/resp_client.hpp); one that fails fails the test.
using conn = connected_resp_client;

std::string str(const reply_ptr& r) { return r ? std::string(r->str, r->len) : "<no reply>"; }

/// Counter `name` of the node's lease keeper ("waiting", "gave_up", ...); -1 when there is none.
int64_t lease_counter(node_fixture& f, const std::string& name) {
  for (auto& a : f.report().actors)
    if (a.kind == "lease_keeper")
      return a.counters[name];
  return -1;
}

} // namespace

TEST_CASE("A value put over CAF is read over RESP and the other way round", "[resp]") {
  resp_fixture f;
  conn c{f.port};
  REQUIRE(f.put("from-caf", "hello").empty());
  CHECK(str(c.run({"GET", "from-caf"})) == "hello");
  CHECK(str(c.run({"SET", "from-resp", "world"})) == "OK");
  CHECK(f.get("from-resp") == "world");
}

TEST_CASE("Pipelined commands from hiredis come back in order with their own answers", "[resp]") {
  resp_fixture f;
  conn c{f.port};
  for (int i = 0; i < 200; ++i)
    c.append({"SET", "k" + std::to_string(i), std::to_string(i * i)});
  for (int i = 0; i < 200; ++i)
    c.append({"GET", "k" + std::to_string(i)});
  c.append({"EXISTS", "k1", "k2", "nope"});
  for (int i = 0; i < 200; ++i)
    CHECK(str(c.next()) == "OK");
  for (int i = 0; i < 200; ++i)
    CHECK(str(c.next()) == std::to_string(i * i));
  CHECK(c.next()->integer == 2);
}

/// An MGET reply's element as text, "(nil)" for a miss.
std::string element(const reply_ptr& r, size_t i) {
  if (!r || r->type != REDIS_REPLY_ARRAY || i >= r->elements)
    return "<no element>";
  auto* e = r->element[i];
  return e->type == REDIS_REPLY_NIL ? "(nil)" : std::string(e->str, e->len);
}

/// Checks an AC.TENSOR.GET reply: dtype, shape and data ("bytes" and its length for a bytes value).
void check_tensor_reply(const reply_ptr& r, const std::string& dtype,
                        const std::vector<long long>& shape, const std::string& data) {
  REQUIRE(r);
  REQUIRE(r->type == REDIS_REPLY_ARRAY);
  REQUIRE(r->elements == 3);
  CHECK(std::string(r->element[0]->str) == dtype);
  REQUIRE(r->element[1]->elements == shape.size());
  for (size_t i = 0; i < shape.size(); ++i)
    CHECK(r->element[1]->element[i]->integer == shape[i]);
  CHECK((std::string(r->element[2]->str, r->element[2]->len) == data)); // no 120 KB printout
}

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

/// AC.GETORLEASE's reply of a value: ("value", data) for bytes, ("tensor", dtype, shape, data).
void check_lease_value(const reply_ptr& r, const std::string& dtype,
                       const std::vector<long long>& shape, const std::string& data) {
  REQUIRE(r);
  REQUIRE(r->type == REDIS_REPLY_ARRAY);
  if (dtype.empty()) {
    REQUIRE(r->elements == 2);
    CHECK(std::string(r->element[0]->str) == "value");
  } else {
    REQUIRE(r->elements == 4);
    CHECK(std::string(r->element[0]->str) == "tensor");
    CHECK(std::string(r->element[1]->str) == dtype);
    REQUIRE(r->element[2]->elements == shape.size());
    for (size_t i = 0; i < shape.size(); ++i)
      CHECK(r->element[2]->element[i]->integer == shape[i]);
  }
  auto* d = r->element[r->elements - 1];
  CHECK((std::string(d->str, d->len) == data)); // no 120 KB printout
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
  CHECK(lease_counter(f, "granted") == 0); // a stored value needs no lease
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
  CHECK(lease_counter(f, "granted") == misses);
  CHECK(total(f.report(), "misses") - misses_before == misses);
  conn c{f.port};
  CHECK(str(c.run({"AC.GETORLEASE", "t", "0"})).rfind("ERR lease-ms", 0) == 0);
  CHECK(str(c.run({"AC.GETORLEASE", "t", "soon"})).rfind("ERR lease-ms", 0) == 0);
}

TEST_CASE("Tensors keep dtype and shape through AC.TENSOR.SET and AC.TENSOR.GET", "[resp]") {
  resp_fixture f;
  conn c{f.port};
  std::string data(2 * 3 * 4, '\x01');
  CHECK(str(c.run({"AC.TENSOR.SET", "t", "float32", "2,3", data})) == "OK");
  check_tensor_reply(c.run({"AC.TENSOR.GET", "t"}), "float32", {2, 3}, data);
  CHECK(str(c.run({"AC.TENSOR.SET", "bad", "float32", "2,3", "short"})).rfind("BADVALUE", 0) == 0);
  // A bytes value reads as a one-dimensional "bytes" array.
  REQUIRE(str(c.run({"SET", "plain", "abc"})) == "OK");
  check_tensor_reply(c.run({"AC.TENSOR.GET", "plain"}), "bytes", {3}, "abc");
  CHECK(c.run({"AC.TENSOR.GET", "nope"})->type == REDIS_REPLY_NIL);
  CHECK(str(c.run({"AC.TENSOR.SET", "bad", "complex7", "1", "x"})).rfind("ERR unknown dtype", 0)
        == 0);
}

TEST_CASE("A lease goes to the first caller; a second waits and gets the filled value", "[lease]") {
  resp_fixture f;
  conn holder{f.port}, waiter{f.port};
  auto first = holder.run({"AC.GETORLEASE", "feat", "10000"});
  REQUIRE(first->elements == 2);
  CHECK(std::string(first->element[0]->str) == "lease");
  std::string token = first->element[1]->str;
  waiter.append({"AC.GETORLEASE", "feat", "10000"});
  REQUIRE(waiter.flush()); // the request leaves now; its reply comes after the fill
  CHECK(f.eventually([&] { return lease_counter(f, "waiting") == 1; }));
  CHECK(str(holder.run({"AC.FILL", "feat", "not-the-token", "x"})).rfind("STALELEASE", 0) == 0);
  CHECK(str(holder.run({"AC.FILL", "feat", token, "computed", "EX", "60"})) == "OK");
  check_lease_value(waiter.next(), "", {}, "computed");
  // The value is stored like a put: a plain GET sees it, a new caller gets it, no new lease.
  CHECK(str(waiter.run({"GET", "feat"})) == "computed");
  check_lease_value(waiter.run({"AC.GETORLEASE", "feat", "10000"}), "", {}, "computed");
}

TEST_CASE("A GET pipelined right behind AC.FILL sees the filled value", "[lease]") {
  resp_fixture f;
  conn c{f.port};
  for (int i = 0; i < 100; ++i) {
    auto key = "piped" + std::to_string(i), value = "v" + std::to_string(i);
    auto lease = c.run({"AC.GETORLEASE", key, "10000"});
    REQUIRE(lease);
    REQUIRE(std::string(lease->element[0]->str) == "lease");
    // The fill reaches the shard through the lease keeper, the GET straight from the session:
    // the GET once got there first and answered nil.
    c.append({"AC.FILL", key, lease->element[1]->str, value});
    c.append({"GET", key});
    CHECK(str(c.next()) == "OK");
    CHECK(str(c.next()) == value);
  }
}

TEST_CASE("A holder whose connection closes hands its lease to exactly one waiter", "[lease]") {
  resp_fixture f;
  auto holder = std::make_unique<conn>(f.port);
  conn w1{f.port}, w2{f.port};
  auto first = holder->run({"AC.GETORLEASE", "k", "30000"});
  REQUIRE(std::string(first->element[0]->str) == "lease");
  std::string old_token = first->element[1]->str;
  auto waiting_is = [&](int64_t n) {
    return f.eventually([&] { return lease_counter(f, "waiting") == n; });
  };
  // One after the other, so w1 is first in line (two connections' requests race otherwise).
  w1.append({"AC.GETORLEASE", "k", "30000"});
  REQUIRE(w1.flush());
  REQUIRE(waiting_is(1));
  w2.append({"AC.GETORLEASE", "k", "30000"});
  REQUIRE(w2.flush());
  REQUIRE(waiting_is(2));
  holder.reset(); // the holder's process dies: its connection closes
  auto r1 = w1.next();
  REQUIRE(r1);
  CHECK(std::string(r1->element[0]->str) == "lease");
  std::string token = r1->element[1]->str;
  CHECK(token != old_token);
  CHECK(str(w1.run({"AC.FILL", "k", old_token, "stale"})).rfind("STALELEASE", 0) == 0);
  CHECK(str(w1.run({"AC.FILL", "k", token, "fresh"})) == "OK");
  check_lease_value(w2.next(), "", {}, "fresh");
}

TEST_CASE("Abandoning a lease passes it on; a lease that runs out passes on too", "[lease]") {
  resp_fixture f;
  conn a{f.port}, b{f.port};
  auto first = a.run({"AC.GETORLEASE", "x", "200"});
  REQUIRE(std::string(first->element[0]->str) == "lease");
  b.append({"AC.GETORLEASE", "x", "200"});
  REQUIRE(b.flush());
  // Nobody abandons or fills: after 200 ms the lease is b's.
  auto inherited = b.next();
  REQUIRE(inherited);
  CHECK(std::string(inherited->element[0]->str) == "lease");
  std::string token = inherited->element[1]->str;
  CHECK(str(a.run({"AC.FILL", "x", first->element[1]->str, "late"})).rfind("STALELEASE", 0) == 0);
  CHECK(str(b.run({"AC.ABANDON", "x", token})) == "OK");
  auto fresh = a.run({"AC.GETORLEASE", "x", "200"});
  CHECK(std::string(fresh->element[0]->str) == "lease");
  CHECK(a.run({"GET", "x"})->type == REDIS_REPLY_NIL);
}

TEST_CASE("A filled value that was deleted or overwritten since is never answered from the fill",
          "[lease]") {
  resp_fixture f;
  conn a{f.port}, b{f.port};
  auto first = a.run({"AC.GETORLEASE", "gone", "10000"});
  REQUIRE(std::string(first->element[0]->str) == "lease");
  CHECK(str(a.run({"AC.FILL", "gone", first->element[1]->str, "old"})) == "OK");
  CHECK(b.run({"DEL", "gone"})->integer == 1);
  auto after_delete = b.run({"AC.GETORLEASE", "gone", "10000"});
  REQUIRE(after_delete->elements == 2);
  CHECK(std::string(after_delete->element[0]->str) == "lease"); // computed again, not "old"
  CHECK(str(b.run({"AC.FILL", "gone", after_delete->element[1]->str, "second"})) == "OK");
  CHECK(str(a.run({"SET", "gone", "newest"})) == "OK");
  check_lease_value(a.run({"AC.GETORLEASE", "gone", "10000"}), "", {}, "newest");
}

TEST_CASE("A caller whose wait ran out is told so and is never handed the lease later", "[lease]") {
  resp_fixture f;
  conn holder{f.port}, impatient{f.port}, patient{f.port};
  auto first = holder.run({"AC.GETORLEASE", "slow", "30000"});
  REQUIRE(std::string(first->element[0]->str) == "lease");
  // It may wait 3 x 100 ms: the keeper answers it when that ran out and drops it from the line.
  auto gave_up = impatient.run({"AC.GETORLEASE", "slow", "100"});
  REQUIRE(gave_up);
  CHECK(str(gave_up).rfind("UNAVAILABLE", 0) == 0);
  patient.append({"AC.GETORLEASE", "slow", "30000"});
  REQUIRE(patient.flush());
  CHECK(f.eventually(
    [&] { return lease_counter(f, "waiting") == 1 && lease_counter(f, "gave_up") == 1; }));
  CHECK(str(holder.run({"AC.ABANDON", "slow", first->element[1]->str})) == "OK");
  auto next = patient.next(); // the lease goes to the caller still waiting, at once
  REQUIRE(next);
  CHECK(std::string(next->element[0]->str) == "lease");
}

TEST_CASE(
  "Before AUTH a request may hold 10 arguments; AUTH pipelined with a larger one lifts "
  "that",
  "[resp][auth]") {
  resp_fixture f{true, [](node_config& c) { c.resp_password = "secret"; }};
  {
    conn c{f.port};
    // A huge MSET declared before AUTH: refused at its header, not buffered.
    c.append_raw("*20001\r\n$4\r\nMSET\r\n");
    REQUIRE(c.flush());
    auto r = c.next();
    REQUIRE(r);
    CHECK(str(r).rfind("ERR Protocol error", 0) == 0);
    CHECK_FALSE(c.next()); // and the connection is closed, as Redis closes it
  }
  conn c{f.port};
  std::vector<std::string> mset{"MSET"};
  for (int i = 0; i < 20; ++i) {
    mset.push_back("pre-auth-" + std::to_string(i));
    mset.push_back(std::string(20000, 'v')); // past the 16 KiB a bulk may have before AUTH
  }
  c.append({"AUTH", "secret"});
  c.append(mset);
  c.append({"GET", "pre-auth-19"});
  REQUIRE(c.flush());
  CHECK(str(c.next()) == "OK");
  CHECK(str(c.next()) == "OK");
  CHECK(str(c.next()) == std::string(20000, 'v'));
}

TEST_CASE("A SET or DEL that lands while a miss of its key is loading wins over the loaded value",
          "[resp][coalescer]") {
  resp_fixture f{true, [](node_config& c) {
                   c.loader_kind = "synthetic";
                   c.loader_cost = std::chrono::milliseconds(300);
                 }};
  conn c{f.port}, other{f.port};
  auto computes = [&] {
    for (auto& a : f.report().actors)
      if (a.kind == "compute")
        return a.counters["computes"];
    return int64_t{-1};
  };
  // The GET misses and starts the load; the SET and DEL from another connection land before it
  // ends. Without the check, the loader's value overwrote the acknowledged SET when it came.
  c.append({"GET", "raced-set"});
  c.append({"GET", "raced-del"});
  REQUIRE(c.flush());
  REQUIRE(f.eventually([&] {
    int64_t loading = 0;
    for (auto& a : f.report().actors)
      if (a.kind == "coalescer")
        loading += a.counters["in_flight"];
    return loading == 2;
  }));
  CHECK(str(other.run({"SET", "raced-set", "mine"})) == "OK");
  CHECK(other.run({"DEL", "raced-del"})->type == REDIS_REPLY_INTEGER);
  auto loaded = c.next(); // the GET that started the load gets the loaded value
  REQUIRE(loaded);
  CHECK(loaded->type == REDIS_REPLY_STRING);
  REQUIRE(c.next());
  CHECK(f.eventually([&] { return computes() == 2; }));
  CHECK(str(other.run({"GET", "raced-set"})) == "mine");
  // The DEL said "gone": the value computed from before it is not kept either, so the next
  // read computes again rather than serving what the DEL removed.
  auto before = computes();
  auto again = other.run({"GET", "raced-del"});
  REQUIRE(again);
  CHECK(computes() == before + 1);
  int64_t superseded = 0;
  for (auto& a : f.report().actors)
    if (a.kind == "shard")
      superseded += a.counters["superseded_fills"];
  CHECK(superseded == 2);
}

TEST_CASE("Replies waiting behind a slow one count against resp.max-pending-bytes",
          "[resp][limits]") {
  resp_fixture f{true, [](node_config& c) {
                   c.loader_kind = "synthetic";
                   c.loader_cost = std::chrono::seconds(3);
                   c.resp_max_pending_bytes = 1 << 20;
                 }};
  conn setup{f.port};
  REQUIRE(str(setup.run({"SET", "big", std::string(200 * 1024, 'b')})) == "OK");
  conn c{f.port};
  auto start = std::chrono::steady_clock::now();
  c.append({"GET", "slow"}); // a miss: its compute takes 3 s
  for (int i = 0; i < 20; ++i)
    c.append({"GET", "big"}); // 4 MB of replies that must wait for it
  REQUIRE(c.flush());
  CHECK_FALSE(c.next()); // cut off, with nothing sent: its first reply had not come
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(3));
  CHECK(f.resp_counter("cut_off") == 1);
  CHECK(str(setup.run({"PING"})) == "PONG"); // others are served as before
}

TEST_CASE("EXPIRE and PEXPIRE take Redis 7's NX, XX, GT and LT", "[resp]") {
  resp_fixture f{true, [](node_config& c) { c.cache_default_ttl = std::chrono::seconds(0); }};
  conn c{f.port};
  auto n = [&](std::vector<std::string> args) { return c.run(args)->integer; };
  REQUIRE(str(c.run({"SET", "k", "v"})) == "OK");
  CHECK(n({"TTL", "k"}) == -1);
  CHECK(n({"EXPIRE", "k", "100", "XX"}) == 0); // it has no TTL
  CHECK(n({"EXPIRE", "k", "100", "GT"}) == 0); // no TTL is forever, longer than 100 s
  CHECK(n({"TTL", "k"}) == -1);
  CHECK(n({"EXPIRE", "k", "100", "NX"}) == 1);
  CHECK(n({"EXPIRE", "k", "200", "nx"}) == 0);
  CHECK(n({"EXPIRE", "k", "50", "GT"}) == 0);
  CHECK(n({"EXPIRE", "k", "200", "GT"}) == 1);
  CHECK(n({"TTL", "k"}) > 150);
  CHECK(n({"EXPIRE", "k", "300", "LT"}) == 0);
  CHECK(n({"EXPIRE", "k", "20", "LT"}) == 1);
  CHECK(n({"TTL", "k"}) <= 20);
  CHECK(n({"PEXPIRE", "k", "5000", "LT"}) == 1);
  CHECK(n({"PTTL", "k"}) <= 6000); // TTLs are whole seconds, rounded up (README)
  CHECK(n({"EXPIRE", "k", "100", "XX"}) == 1);
  CHECK(n({"EXPIRE", "absent", "100", "NX"}) == 0);
  REQUIRE(str(c.run({"SET", "forever", "v"})) == "OK");
  CHECK(n({"EXPIRE", "forever", "100", "LT"}) == 1); // shorter than forever
  CHECK(str(c.run({"EXPIRE", "k", "10", "BOGUS"})) == "ERR Unsupported option BOGUS");
  CHECK(str(c.run({"EXPIRE", "k", "10", "NX", "XX"})).rfind("ERR", 0) == 0);
  CHECK(n({"TTL", "k"}) > 90); // the refused commands changed nothing
}

namespace {

/// A node's RESP edge whose request timeout is 300 ms (the session's own slot deadlines: its
/// requests to this node's actors carry no CAF timeout); the node computes a key in 3 s.
struct short_timeout_edge {
  node_fixture f{[](node_config& c) {
    c.loader_kind = "synthetic";
    c.loader_cost = std::chrono::seconds(3);
  }};
  resp_listener listener{resp_listener_options{2, 100, true}, nullptr};
  uint16_t port = 0;
  short_timeout_edge() {
    std::string why;
    REQUIRE(listener.bind("127.0.0.1", 0, why));
    port = listener.port();
    auto env = make_resp_env(f.cfg, f.node, "test-node", port);
    env->request_timeout = std::chrono::milliseconds(300);
    listener.start(f.sys, env);
  }
  ~short_timeout_edge() { listener.stop(); }
};

} // namespace

TEST_CASE(
  "A command whose shard has not answered by the request timeout is answered with the "
  "timeout, in order, and the connection goes on",
  "[resp]") {
  short_timeout_edge edge;
  conn c{edge.port};
  auto start = std::chrono::steady_clock::now();
  c.append({"GET", "slow"});
  c.append({"PING"});
  REQUIRE(c.flush());
  auto slow = c.next();
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(2));
  REQUIRE(slow);
  CHECK(slow->type == REDIS_REPLY_ERROR);
  CHECK(str(slow).find("request_timeout") != std::string::npos);
  CHECK(str(c.next()) == "PONG");
  REQUIRE(str(c.run({"SET", "k", "v"})) == "OK");
  CHECK(str(c.run({"GET", "k"})) == "v");
  // Once the compute is done its value is read; the late answers to the timed-out GETs found
  // their slots answered and changed no later reply.
  CHECK(wait_until(
    [&] {
      auto r = c.run({"GET", "slow"});
      return r && r->type == REDIS_REPLY_STRING;
    },
    std::chrono::seconds(10)));
  CHECK(str(c.run({"PING"})) == "PONG");
  CHECK(str(c.run({"GET", "k"})) == "v");
}

TEST_CASE("A lease waiter waits as long as its lease-ms allows, beyond the request timeout",
          "[resp][lease]") {
  short_timeout_edge edge;
  conn holder{edge.port}, waiter{edge.port};
  auto first = holder.run({"AC.GETORLEASE", "long", "3000"}); // held 3 s: the fill is in time
  REQUIRE(first);
  REQUIRE(first->elements == 2);
  std::string token = first->element[1]->str;
  waiter.append({"AC.GETORLEASE", "long", "3000"}); // may wait 3 x 3000 ms
  REQUIRE(waiter.flush());
  auto asked = std::chrono::steady_clock::now();
  REQUIRE(
    wait_until([&] { return lease_counter(edge.f, "waiting") == 1; }, std::chrono::seconds(2)));
  // The holder fills once the first slot sweep (1 s after the request) has passed: a slot due at
  // the 300 ms request timeout would have been answered with the timeout by then.
  wait_until(
    [&] { return std::chrono::steady_clock::now() - asked >= std::chrono::milliseconds(1500); },
    std::chrono::seconds(3));
  CHECK(str(holder.run({"AC.FILL", "long", token, "filled", "EX", "60"})) == "OK");
  check_lease_value(waiter.next(), "", {}, "filled");
}
