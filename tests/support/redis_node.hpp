// redis_node.hpp: an in-process node against a throwaway redis-server of its own, and a connection straight to that server.
//
// For tests of the node with Redis behind L1 (tests/redis): `node_with_redis f{configure};`
// starts redis-server, then the node with use_redis() and `configure`; f.redis is the server
// (kill, restart), f.direct() reads and writes Redis behind the node's back.
#pragma once

#include <catch2/catch.hpp>

#include <chrono>
#include <optional>
#include <string>

#include "actors/redis_pipeline.hpp"
#include "tests/support/node_fixture.hpp"
#include "tests/support/redis_server.hpp"

namespace ac::test {

/// Redis at `port` behind the node's L1, with a 1 s timeout: CI shares two cores, and a slow
/// reply must not read as an L2 error. Tests set what else differs after it.
inline void use_redis(node_config& c, uint16_t port) {
  c.redis_enabled = true;
  c.redis_port = port;
  c.redis_timeout = std::chrono::seconds(1);
}

/// A connection straight to the redis-server at `port`, under `prefix` (the node's default);
/// fails the test when it cannot connect.
inline redis_connection connect_directly(uint16_t port, std::string prefix = "ac:") {
  redis_options o;
  o.port = port;
  o.key_prefix = std::move(prefix);
  o.timeout = std::chrono::seconds(2); // results, not speed, on two shared cores
  redis_connection c{o};
  std::string err;
  bool connected = c.connect(&err);
  INFO(err);
  REQUIRE(connected);
  return c;
}

/// The bytes Redis holds at `key`; nullopt when it holds none or did not answer.
inline std::optional<std::string> redis_value(redis_connection& c, const std::string& key) {
  std::string err;
  auto v = c.mget({key}, &err);
  if (!v || v->empty())
    return std::nullopt;
  return (*v)[0];
}

/// An in-process node (node_fixture) against a redis-server of its own, `redis`; fails the test
/// where redis-server is not installed.
struct node_with_redis : own_redis_server, node_fixture {
  /// use_redis() with this server, then `configure` for what the test sets.
  template <class Configure>
  explicit node_with_redis(Configure configure, node_overrides overrides = {})
    : node_fixture{[&](node_config& c) {
                     use_redis(c, redis.port());
                     configure(c);
                   },
                   std::move(overrides)} {}
  node_with_redis() : node_with_redis([](node_config&) {}) {}

  /// A connection straight to this node's Redis, under the node's key prefix.
  redis_connection direct() { return connect_directly(redis.port(), cfg.redis_key_prefix); }
};

} // namespace ac::test
