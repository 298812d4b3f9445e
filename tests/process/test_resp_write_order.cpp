// A connection's pipelined writes and reads of one key against a node with Redis as L2: each command sees the ones before it, in L1 and in Redis.
#include <catch2/catch.hpp>

#include <string>

#include "tests/support/node_process.hpp"
#include "tests/support/redis_server.hpp"
#include "tests/support/resp_client.hpp"

using namespace ac::test;

namespace {

std::string str(const resp_client::reply_ptr& r) {
  if (!r)
    return "<no reply>";
  if (r->type == REDIS_REPLY_NIL)
    return "<nil>";
  if (r->type == REDIS_REPLY_INTEGER)
    return std::to_string(r->integer);
  return std::string(r->str, r->len);
}

/// The node program and redis-server are there: a missing one fails the test (never a skip).
bool require_node_and_redis() {
  REQUIRE(missing_programs({"actorcache-node", "redis-server"}).empty());
  return true;
}

/// redis-server, then a node with it as L2 under `policy`; REQUIREs that both started.
struct node_over_redis {
  bool ready = require_node_and_redis(); // before anything starts
  redis_server redis;
  temp_dir dir{"ac-write-order"};
  node_process node;
  explicit node_over_redis(const std::string& policy)
    : node("wo",
           {"--redis.enabled", "--redis.port=" + std::to_string(redis.port()),
            "--redis.write-policy=" + policy},
           dir.path()) {
    REQUIRE(node.start());
    REQUIRE(node.resp_port() != 0);
  }
};

/// Sends `commands` as one pipeline and returns their replies, in order, as text.
std::vector<std::string> pipeline(resp_client& c,
                                  const std::vector<std::vector<std::string>>& commands) {
  for (auto& args : commands)
    c.append(args);
  std::vector<std::string> out;
  for (size_t i = 0; i < commands.size(); ++i)
    out.push_back(str(c.next()));
  return out;
}

} // namespace

TEST_CASE("With Redis as L2, a pipelined read, EXISTS and SET NX see the SET before them",
          "[process][resp][redis][write-order]") {
  auto policy = GENERATE(std::string{"sync"}, std::string{"l1-when-down"});
  INFO("redis.write-policy=" << policy);
  node_over_redis f{policy};
  resp_client c{f.node.resp_port()};
  REQUIRE(c.ok());
  for (int i = 0; i < 20; ++i) {
    auto old = "old" + std::to_string(i), fresh = "new" + std::to_string(i);
    REQUIRE(str(c.run({"SET", "k", old})) == "OK");
    // Before, the GET came back with the old value (L1 took the SET only once Redis had it).
    CHECK(
      pipeline(
        c,
        {{"SET", "k", fresh}, {"GET", "k"}, {"EXISTS", "k"}, {"SET", "k", "x", "NX"}, {"GET", "k"}})
      == std::vector<std::string>{"OK", fresh, "1", "<nil>", fresh});
    CHECK(pipeline(c, {{"DEL", "k"}, {"EXISTS", "k"}, {"SET", "k", "nx", "NX"}, {"GET", "k"}})
          == std::vector<std::string>{"1", "0", "OK", "nx"});
  }
}

TEST_CASE("With Redis as L2, a pipelined SET, DEL, SET of one key leaves the last SET in Redis",
          "[process][resp][redis][write-order]") {
  auto policy = GENERATE(std::string{"sync"}, std::string{"l1-when-down"});
  INFO("redis.write-policy=" << policy);
  node_over_redis f{policy};
  resp_client c{f.node.resp_port()};
  resp_client direct{f.redis.port()};
  REQUIRE(c.ok());
  REQUIRE(direct.ok());
  for (int i = 0; i < 20; ++i) {
    auto last = "last" + std::to_string(i);
    // Before, one batch of the node's Redis link ran its SETs before its DELs: Redis lost the key.
    CHECK(pipeline(c, {{"SET", "d", "first"}, {"DEL", "d"}, {"SET", "d", last}, {"GET", "d"}})
          == std::vector<std::string>{"OK", "1", "OK", last});
    auto in_redis = str(direct.run({"GET", "ac:d"})); // the node's encoded entry
    CHECK(in_redis.find(last) != std::string::npos);
    // EXPIRE 0 deletes in Redis as well, and the SET behind it stays.
    CHECK(pipeline(c, {{"EXPIRE", "d", "0"}, {"SET", "d", last + "b"}})
          == std::vector<std::string>{"1", "OK"});
    CHECK(str(direct.run({"GET", "ac:d"})).find(last + "b") != std::string::npos);
  }
}
