// The RESP listener in process: hiredis (sync and pipelined) against an in-process node.
#include <catch2/catch.hpp>

#include <hiredis/hiredis.h>

#include "tests/support/resp_fixture.hpp"

using namespace ac;
using namespace ac::test;

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
      if (a.kind == compute_stats::kind)
        return stats_of<compute_stats>(a).computes;
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
      loading += stats_of<coalescer_stats>(a).in_flight; // 0 for other kinds
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
    superseded += stats_of<shard_stats>(a).superseded_fills;
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
