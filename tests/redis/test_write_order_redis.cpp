// A key's writes reach Redis in the order the shard took them, computed values included, against a real redis-server.
#include <catch2/catch.hpp>

#include <csignal>
#include <cstdint>
#include <string>

#include "tests/support/redis_node.hpp"

using namespace ac;
using namespace ac::test;
using namespace std::chrono_literals;

namespace {

/// The node's keys in Redis under their own prefix, a Redis round trip bounded by `timeout`
/// (these tests stop Redis for a moment).
auto redis_round_trip(std::chrono::milliseconds timeout) {
  return [=](node_config& c) {
    c.redis_key_prefix = "wo:";
    c.redis_timeout = timeout;
  };
}

/// A node and its shard 0, with Redis stopped (and no timeout for 5 s): a write sent now stays
/// out at Redis until resume().
struct writes_held_out : node_with_redis {
  shard_actor shard;
  writes_held_out() : node_with_redis{redis_round_trip(5s)}, shard{node.shards.at(0)} {
    REQUIRE(redis.process()->send_signal(SIGSTOP));
  }
  void resume() { REQUIRE(redis.process()->send_signal(SIGCONT)); }
};

} // namespace

TEST_CASE(
  "A SET that reaches the shard while a computed value of its key is on its way to "
  "Redis waits for it, and Redis keeps the SET",
  "[redis][write-order]") {
  writes_held_out f; // the computed value's write stays out as long as the test wants
  auto shard = f.shard;
  const auto computed = node_fixture::entry_of("computed"), set = node_fixture::entry_of("set");
  // A value the coalescer computed, kept whatever was written before (no write_seq known),
  // and a client's SET of the key right behind it. Both leave now; their answers are read
  // below.
  auto fill = f.self->request(shard, 20s, fill_atom::value, l2_put_atom::value, std::string{"k"},
                              computed, uint32_t{60}, UINT64_MAX);
  auto put = f.self->request(shard, 20s, put_atom::value, std::string{"k"}, set, uint32_t{60});
  // The SET waits for the computed value's write (which L1 holds already) to come back.
  CHECK(f.eventually([&] { return f.shard_counter(0, "key_waits") == 1; }));
  f.resume();
  fill.receive([](bool kept) { CHECK(kept); }, [](caf::error& e) { FAIL(describe(e)); });
  put.receive([](uint8_t s) { CHECK(put_status_of(s) == put_status::stored); },
              [](caf::error& e) { FAIL(describe(e)); });
  // Redis has the SET's value, written after the computed one; so has L1.
  auto conn = f.direct();
  CHECK(redis_value(conn, "k") == std::optional<std::string>{set});
  f.self->request(shard, 5s, get_atom::value, std::string{"k"})
    .receive([](const lookup_result& r) { CHECK(node_fixture::value_of(r) == "set"); },
             [](caf::error& e) { FAIL(describe(e)); });
}

TEST_CASE(
  "A SET whose write Redis did not confirm in time is reported as maybe stored, and L1 "
  "then serves what Redis holds",
  "[redis][write-order][fault]") {
  node_with_redis f{redis_round_trip(300ms)};
  REQUIRE(f.put_as("k", "old") == put_status::stored);
  REQUIRE(f.get("k") == "old"); // in L1
  // Redis stopped: the SET leaves (the kernel takes it) but no answer comes within the timeout.
  REQUIRE(f.redis.process()->send_signal(SIGSTOP));
  std::string err;
  CHECK(f.put_as("k", "new", 0, &err) == put_status::not_stored);
  INFO(err);
  CHECK(err.find("may or may not") != std::string::npos);
  REQUIRE(f.redis.process()->send_signal(SIGCONT));
  // Redis runs the SET once it goes on: that value is the key's, and L1 must not hide it.
  auto conn = f.direct();
  CHECK(f.eventually([&] {
    return redis_value(conn, "k") == std::optional<std::string>{node_fixture::entry_of("new")};
  }));
  CHECK(f.eventually([&] { return f.get("k") == "new"; }));
}

TEST_CASE(
  "A request waiting for its key's write is answered with an error when the shard "
  "restarts, not left to its caller's deadline",
  "[redis][write-order][fault]") {
  writes_held_out f;
  auto shard = f.shard;
  // The put whose write is held out at Redis: only the GET behind it is awaited.
  [[maybe_unused]] auto put = f.self->request(shard, 20s, put_atom::value, std::string{"k"},
                                              node_fixture::entry_of("v"), uint32_t{60});
  auto get = f.self->request(shard, 20s, get_atom::value, std::string{"k"});
  REQUIRE(f.eventually([&] { return f.shard_counter(0, "key_waits") == 1; }));
  f.self->send(shard, fail_atom::value, std::string{"a test restarts it"});
  auto start = std::chrono::steady_clock::now();
  std::string error;
  get.receive([](const lookup_result&) { FAIL("the waiting GET ran on a shard that ended"); },
              [&](caf::error& e) { error = describe(e); });
  CHECK(std::chrono::steady_clock::now() - start < 5s); // not its 20 s
  CHECK(error.find("restarted") != std::string::npos);
  f.resume();
}
