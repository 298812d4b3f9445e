// A connection's pipelined writes and reads of one key against a node with Redis as L2: each command sees the ones before it, in L1 and in Redis.
#include <catch2/catch.hpp>

#include <memory>
#include <string>
#include <vector>

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
  if (r->type == REDIS_REPLY_ARRAY) {
    std::string out = "[";
    for (size_t i = 0; i < r->elements; ++i) {
      auto e = r->element[i];
      out += (i ? "," : "")
             + (e->type == REDIS_REPLY_NIL ? std::string{"<nil>"} : std::string(e->str, e->len));
    }
    return out + "]";
  }
  return std::string(r->str, r->len);
}

/// redis-server, then a node with it as L2 under `policy`, and a connection to each;
/// REQUIREs that all of them are up.
struct node_over_redis : own_redis_server {
  temp_dir dir{"ac-write-order"};
  node_process node;
  std::unique_ptr<resp_client> client; ///< to the node
  std::unique_ptr<resp_client> direct; ///< to Redis, behind the node's back
  explicit node_over_redis(const std::string& policy, std::vector<std::string> extra = {})
    : node("wo", options(policy, std::move(extra)), dir.path()) {
    REQUIRE(node.start());
    REQUIRE(node.resp_port() != 0);
    client = std::make_unique<resp_client>(node.resp_port());
    direct = std::make_unique<resp_client>(redis.port());
    REQUIRE(client->ok());
    REQUIRE(direct->ok());
  }

  std::vector<std::string> options(const std::string& policy, std::vector<std::string> extra) {
    extra.insert(extra.end(), {"--redis.enabled", "--redis.port=" + std::to_string(redis.port()),
                               "--redis.write-policy=" + policy});
    return extra;
  }

  /// A number of the node's INFO, or -1.
  long long info(const std::string& name) {
    auto text = str(client->run({"INFO"}));
    auto at = text.find(name + ":");
    return at == std::string::npos ? -1 : std::atoll(text.c_str() + at + name.size() + 1);
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

TEST_CASE(
  "With Redis as L2, a connection's pipelined commands on one key see the ones before "
  "them, in L1 and in Redis",
  "[process][resp][redis][write-order]") {
  auto policy = GENERATE(std::string{"sync"}, std::string{"l1-when-down"});
  INFO("redis.write-policy=" << policy);
  node_over_redis f{policy};
  auto& c = *f.client;
  SECTION("a read, EXISTS and SET NX see the SET before them") {
    for (int i = 0; i < 20; ++i) {
      auto old = "old" + std::to_string(i), fresh = "new" + std::to_string(i);
      REQUIRE(str(c.run({"SET", "k", old})) == "OK");
      // Before, the GET came back with the old value (L1 took the SET only once Redis had it).
      CHECK(pipeline(c, {{"SET", "k", fresh},
                         {"GET", "k"},
                         {"EXISTS", "k"},
                         {"SET", "k", "x", "NX"},
                         {"GET", "k"}})
            == std::vector<std::string>{"OK", fresh, "1", "<nil>", fresh});
      CHECK(pipeline(c, {{"DEL", "k"}, {"EXISTS", "k"}, {"SET", "k", "nx", "NX"}, {"GET", "k"}})
            == std::vector<std::string>{"1", "0", "OK", "nx"});
      // An MGET naming the key twice behind its SET: answered (it once waited behind itself).
      c.append({"SET", "k", fresh});
      c.append({"MGET", "k", "k"});
      CHECK(str(c.next()) == "OK");
      auto both = c.next();
      REQUIRE(both);
      REQUIRE(both->type == REDIS_REPLY_ARRAY);
      REQUIRE(both->elements == 2);
      CHECK(std::string(both->element[0]->str, both->element[0]->len) == fresh);
      CHECK(std::string(both->element[1]->str, both->element[1]->len) == fresh);
    }
  }
  SECTION("SET, DEL, SET leaves the last SET in Redis") {
    auto& direct = *f.direct;
    for (int i = 0; i < 20; ++i) {
      auto last = "last" + std::to_string(i);
      // Before, one batch of the node's Redis link ran its SETs before its DELs: Redis lost it.
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
}

TEST_CASE("With Redis as L2, a SET right after the GET that computed the key is what Redis keeps",
          "[process][resp][redis][write-order]") {
  node_over_redis f{"sync",
                    {"--loader.kind=synthetic", "--loader.cost=1ms", "--metrics.interval=100ms"}};
  auto& c = *f.client;
  constexpr int keys = 50;
  for (int i = 0; i < keys; ++i) {
    auto key = "computed" + std::to_string(i);
    REQUIRE(str(c.run({"GET", key})) != "<nil>"); // computed here, and written to L2
    REQUIRE(str(c.run({"SET", key, "mine" + std::to_string(i)})) == "OK");
  }
  // Every write is back from Redis: the computed values and the SETs.
  long long writes = 0;
  bool all_back = wait_until([&] { return (writes = f.info("actorcache_l2_writes")) >= 2 * keys; },
                             std::chrono::seconds(10));
  INFO("actorcache_l2_writes: " << writes);
  REQUIRE(all_back);
  for (int i = 0; i < keys; ++i) {
    auto key = "computed" + std::to_string(i), mine = "mine" + std::to_string(i);
    INFO(key);
    // Had the computed value reached Redis after the SET, a read after L1 dropped the key would
    // bring it back (tests/redis/test_write_order_redis.cpp forces that interleaving).
    CHECK(str(f.direct->run({"GET", "ac:" + key})).find(mine) != std::string::npos);
    CHECK(str(c.run({"GET", key})) == mine);
  }
}

TEST_CASE("With Redis as L2, a key deleted while it was being warmed stays deleted, in L1 too",
          "[process][resp][redis][write-order]") {
  node_over_redis f{"sync"};
  auto& c = *f.client;
  // A miss of `lead` makes predictive warming read `k` from Redis (the node learns that `k`
  // misses right after `lead`). That read could run between the SET and the DEL of `k` in
  // Redis and fill L1 once the DEL was done: L1 served the deleted value ever after.
  int resurrected = 0;
  for (int i = 0; i < 200; ++i) {
    REQUIRE(str(c.run({"DEL", "k", "lead"})) != "<no reply>");
    auto r = pipeline(c, {{"SET", "k", "a"}, {"DEL", "k"}, {"GET", "lead"}, {"GET", "k"}});
    REQUIRE(r[1] == "1");
    if (r[3] != "<nil>" || str(c.run({"GET", "k"})) != "<nil>")
      ++resurrected;
  }
  CHECK(resurrected == 0);
}

TEST_CASE("With Redis as L2, a pipelined read answers the state before the writes behind it",
          "[process][resp][redis][write-order]") {
  node_over_redis f{"sync"};
  auto& c = *f.client;
  for (int i = 0; i < 50; ++i) {
    auto key = "r" + std::to_string(i), other = "o" + std::to_string(i);
    // The GETs miss L1 and read Redis; the SETs behind them must not reach Redis first.
    CHECK(pipeline(c, {{"GET", key}, {"SET", key, "v"}, {"MGET", other, key}, {"DEL", other}})
          == std::vector<std::string>{"<nil>", "OK", "[<nil>,v]", "0"});
    // DBSIZE sees the writes before it, as Redis's does, though they wait for Redis first.
    CHECK(pipeline(c, {{"SET", other, "w"}, {"DBSIZE"}})
          == std::vector<std::string>{"OK", std::to_string(i + 2)});
    REQUIRE(str(c.run({"DEL", other})) == "1");
  }
  CHECK(f.info("actorcache_ordered_waits") > 0);
}
