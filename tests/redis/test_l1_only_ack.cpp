// redis.write-policy=l1-when-down against a real redis-server: puts Redis did not take are acknowledged as L1 only.
#include <catch2/catch.hpp>

#include "tests/support/redis_node.hpp"

using namespace ac;
using namespace ac::test;
using namespace std::chrono_literals;

namespace {

/// A node whose puts go to Redis under `policy`, quick (100 ms) to give up on a Redis gone.
auto write_policy(std::string policy) {
  return [=](node_config& c) {
    c.redis_key_prefix = "l1o:";
    c.cache_default_ttl = 120s;
    c.redis_timeout = 100ms;
    c.redis_write_policy = policy;
  };
}

/// A node with write-policy l1-when-down whose Redis was killed before the test's first request.
struct node_with_redis_gone : node_with_redis {
  node_with_redis_gone() : node_with_redis{write_policy("l1-when-down")} { redis.kill(); }
};

/// True when the key is in Redis (read directly, not through the node).
bool in_redis(node_with_redis& f, const std::string& key) {
  auto conn = f.direct();
  return redis_value(conn, key).has_value();
}

/// A put sent to a shard itself (no front), with an optional put_if condition.
put_status shard_put(node_fixture& f, size_t shard, const std::string& key,
                     const std::string& value, put_if cond = put_if::always) {
  auto status = put_status::not_stored;
  f.self
    ->request(f.node.shards.at(shard), 5s, put_atom::value, key, node_fixture::entry_of(value),
              uint32_t{0}, static_cast<uint8_t>(cond))
    .receive([&](uint8_t s) { status = put_status_of(s); },
             [&](caf::error& e) { FAIL(describe(e)); });
  return status;
}

bool erase(node_fixture& f, const std::string& key) {
  bool erased = false;
  f.self->request(f.node.front, 5s, delete_atom::value, key)
    .receive([&](bool b) { erased = b; }, [&](caf::error& e) { FAIL(describe(e)); });
  return erased;
}

} // namespace

TEST_CASE("with l1-when-down and Redis up a put is acknowledged as stored and is in Redis",
          "[redis][write-through][l1-only]") {
  node_with_redis f{write_policy("l1-when-down")};
  CHECK(f.put_as("up-key", "v") == put_status::stored);
  CHECK(in_redis(f, "up-key"));
  CHECK(shard_put(f, 0, "up-shard-key", "v") == put_status::stored);
  CHECK(total(f.report(), "l1_only_puts") == 0);
}

TEST_CASE("with write-policy sync and Redis up a put is acknowledged as stored",
          "[redis][write-through][l1-only]") {
  node_with_redis f{write_policy("sync")};
  CHECK(f.put_as("sync-key", "v") == put_status::stored);
  CHECK(in_redis(f, "sync-key"));
}

TEST_CASE(
  "with l1-when-down and Redis stopped a put is acknowledged as stored in L1 only and counted",
  "[redis][write-through][fault][l1-only]") {
  node_with_redis_gone f;
  for (int i = 0; i < 5; ++i) {
    std::string err;
    auto start = std::chrono::steady_clock::now();
    CHECK(f.put_as("down-" + std::to_string(i), "v" + std::to_string(i), 0, &err)
          == put_status::stored_l1_only);
    CHECK(err == "");
    CHECK(std::chrono::steady_clock::now() - start < 2s);
  }
  CHECK(f.get("down-3") == "v3");
  CHECK(shard_put(f, 1, "down-shard-key", "v") == put_status::stored_l1_only);
  CHECK(f.shard_counter(1, "l1_only_puts") >= 1);
  CHECK(total(f.report(), "l1_only_puts") == 6);
}

TEST_CASE(
  "with l1-when-down and Redis stopped NX and XX of a key L1 holds are judged on L1, and NX, "
  "XX, EXISTS, TTL and EXPIRE of a key it lacks are refused, not judged on L1 alone",
  "[redis][write-through][fault][l1-only]") {
  node_with_redis_gone f;
  CHECK(shard_put(f, 0, "cond-key", "first") == put_status::stored_l1_only);
  CHECK(shard_put(f, 0, "cond-key", "second", put_if::absent) == put_status::not_stored);
  CHECK(shard_put(f, 0, "cond-key", "third", put_if::present) == put_status::stored_l1_only);
  CHECK(f.shard_counter(0, "l1_only_puts") == 2);
  // Redis may hold a key L1 lacks (it outlives L1): an NX granted here could be a second
  // holder of a lock, so while Redis cannot judge, the put is refused and nothing changes.
  for (auto cond : {put_if::absent, put_if::present}) {
    std::string error;
    f.self
      ->request(f.node.shards.at(0), 5s, put_atom::value, std::string{"cond-missing"},
                node_fixture::entry_of("v"), uint32_t{0}, static_cast<uint8_t>(cond))
      .receive([&](uint8_t s) { FAIL("answered " << int{s}); },
               [&](caf::error& e) { error = describe(e); });
    CHECK(error.find("Redis is unavailable: nothing stored") != std::string::npos);
  }
  // EXISTS, TTL and EXPIRE of a key L1 lacks ask Redis too: refused, not answered "absent".
  for (auto op : {key_op::exists, key_op::pttl, key_op::expire}) {
    std::string error;
    f.self
      ->request(f.node.shards.at(0), 5s, keyspace_atom::value, static_cast<uint8_t>(op),
                std::string{"cond-missing"}, int64_t{5000})
      .receive([&](int64_t n) { FAIL("answered " << n); },
               [&](caf::error& e) { error = describe(e); });
    CHECK(error.find("Redis is unavailable: cannot tell whether the key exists")
          != std::string::npos);
  }
  CHECK(f.get("cond-missing") == "<miss>");
}

TEST_CASE(
  "with l1-when-down a delete Redis did not take is counted and an L1-only put keeps it pending",
  "[redis][write-through][fault][l1-only]") {
  node_with_redis f{write_policy("l1-when-down")};
  REQUIRE(f.put_as("doomed", "old") == put_status::stored);
  f.redis.kill();
  CHECK(erase(f, "doomed"));
  CHECK(f.eventually([&] { return total(f.report(), "l1_only_deletes") == 1; }));
  CHECK(total(f.report(), "pending_deletes") == 1);
  // Redis still holds "old": only a put Redis has may forget the pending delete, or the old
  // value would come back from L2 once the new one leaves L1.
  CHECK(f.put_as("doomed", "new") == put_status::stored_l1_only);
  CHECK(total(f.report(), "pending_deletes") == 1);
  CHECK(f.get("doomed") == "new");
}

TEST_CASE(
  "with write-policy sync a put whose bridge dies holding it is refused once the load "
  "timeout has passed, not left waiting",
  "[redis][write-through][fault]") {
  // The shard asks the bridge without a CAF timeout and keeps the deadline itself: load
  // timeout = loader timeout + 4 x Redis timeout = 4.1 s here, checked at its 1 s sweep.
  node_with_redis f{[](node_config& c) {
    write_policy("sync")(c);
    c.redis_timeout = 1s;
    c.loader_timeout = 100ms;
  }};
  auto bridge_handled = [&] {
    uint64_t n = 0;
    f.self->request(f.node.bridge, 5s, stats_atom::value)
      .receive([&](actor_stats& row) { n = row.handled; }, [](caf::error&) {});
    return n;
  };
  // Redis freezes: the bridge's worker waits on it with the write in hand.
  REQUIRE(f.redis.process()->send_signal(SIGSTOP));
  auto before = bridge_handled();
  caf::scoped_actor asker{f.sys};
  auto start = std::chrono::steady_clock::now();
  auto pending =
    asker->request(f.node.shards.at(0), 30s, put_atom::value, std::string{"orphan"},
                   node_fixture::entry_of("v"), uint32_t{0}, static_cast<uint8_t>(put_if::always));
  REQUIRE(wait_until([&] { return bridge_handled() > before; }, 5s));
  // The bridge dies with the write's promise in hand: nobody will answer the shard's ask.
  f.self->send_exit(f.node.bridge, caf::exit_reason::kill);
  std::string error;
  pending.receive([&](uint8_t) { FAIL("a put Redis never confirmed was acknowledged"); },
                  [&](caf::error& e) { error = describe(e); });
  auto waited = std::chrono::steady_clock::now() - start;
  CHECK(f.redis.process()->send_signal(SIGCONT));
  INFO(error);
  // The write had left for Redis (frozen, not gone): it may yet be applied, and the error says so.
  CHECK(error.find("may or may not be stored") != std::string::npos);
  CHECK(waited >= 4s); // not before its load timeout
  CHECK(waited < 10s); // the sweep failed it, the caller's own 30 s did not
}
