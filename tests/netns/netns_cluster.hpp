// netns_cluster.hpp: what the netns tests share: test hosts, Redis on a host of its own, nodes in namespaces, a RESP client with deadlines.
//
// Host layout: nodes on hosts 0..n-1, Redis on host n (port 6379: the namespace is its own, so
// the port is free). The test process reaches every host over the bridge, so every RESP request
// here goes from the root namespace to a node's namespace address; only a cut-off host is asked
// from inside its namespace (redis-cli through `ip netns exec`).
#pragma once

#include <hiredis/hiredis.h>

#include <chrono>
#include <cstdio>
#include <exception>
#include <memory>
#include <string>
#include <vector>

#include "tests/support/netns.hpp"
#include "tests/support/node_process.hpp"
#include "tests/support/resp_client.hpp"

namespace ac::test {

/// The bound on a connect and on every reply to a node in a namespace (tests/support/resp_client.hpp).
inline constexpr std::chrono::milliseconds netns_reply_timeout{2000};

/// A bulk or status reply's text; "<nil>", "<error: ...>" or "<none>" otherwise.
inline std::string text_of(const redisReply* r) {
  if (r == nullptr)
    return "<none>";
  if (r->type == REDIS_REPLY_NIL)
    return "<nil>";
  if (r->type == REDIS_REPLY_ERROR)
    return "<error: " + std::string(r->str, r->len) + ">";
  if (r->type == REDIS_REPLY_STRING || r->type == REDIS_REPLY_STATUS)
    return std::string(r->str, r->len);
  return "<other>";
}

/// One row of AC.MEMBERS.
struct member_row {
  std::string id, address, resp_address, state;
};

/// The members a node reports (AC.MEMBERS), asked over the bridge; empty when it did not answer.
inline std::vector<member_row> members_of(const std::string& host, uint16_t resp_port) {
  std::vector<member_row> rows;
  resp_client c{host, resp_port, netns_reply_timeout};
  auto r = c.run({"AC.MEMBERS"});
  if (!r || r->type != REDIS_REPLY_ARRAY)
    return rows;
  for (size_t i = 0; i < r->elements; ++i) {
    auto* m = r->element[i];
    if (m->type != REDIS_REPLY_ARRAY || m->elements < 4)
      continue;
    rows.push_back({text_of(m->element[0]), text_of(m->element[1]), text_of(m->element[2]),
                    text_of(m->element[3])});
  }
  return rows;
}

/// How many of `rows` are alive.
inline int alive_in(const std::vector<member_row>& rows) {
  int n = 0;
  for (auto& m : rows)
    n += m.state == "alive";
  return n;
}

/// Test hosts with Redis on the last one and up to `nodes` node processes on the others.
struct netns_cluster {
  temp_dir dir{"ac-netns-test"};
  netns_hosts hosts; // declared before every process: torn down after them
  std::unique_ptr<child_process> redis;
  std::vector<std::unique_ptr<node_process>> nodes;
  int node_hosts;

  explicit netns_cluster(int n) : hosts(n + 1), node_hosts(n) {}

  ~netns_cluster() {
    nodes.clear(); // before the hosts go: a namespace with a process in it outlives `ip netns del`
    redis.reset();
    if (std::uncaught_exceptions() > 0) { // a REQUIRE failed: keep the logs for a post-mortem
      dir.keep();
      std::printf("netns test logs kept in %s\n", dir.path().c_str());
    }
  }

  int redis_host() const { return node_hosts; }
  std::string redis_address() const { return hosts.address(redis_host()); }

  /// Starts redis-server on its own host (no persistence, reachable from every host); true once
  /// it accepts connections over the bridge.
  bool start_redis() {
    redis = hosts.start_in(redis_host(), "redis-server",
                           {"--bind", redis_address(), "--port", "6379", "--protected-mode", "no",
                            "--save", "", "--appendonly", "no"},
                           dir.path() + "/redis.log");
    return wait_for_tcp(redis_address(), 6379, std::chrono::seconds(10)) && redis->alive();
  }

  /// The options every node of these tests shares: Redis on its host, fast failure detection.
  std::vector<std::string> redis_options() const {
    return {"--redis.enabled", "--redis.host=" + redis_address(), "--redis.port=6379"};
  }

  /// Adds (does not start) node `id` on host `i`, bound to `bind`, with `args`.
  node_process& add_node(int i, const std::string& id, std::vector<std::string> args,
                         const std::string& bind = "0.0.0.0") {
    nodes.push_back(
      std::make_unique<node_process>(id, std::move(args), dir.path(), hosts.placement(i, bind)));
    return *nodes.back();
  }

  /// Members alive as node `k` sees them, asked over the bridge (-1: no answer).
  int alive_seen_by(size_t k) {
    auto rows = members_of(nodes[k]->reach(), nodes[k]->resp_port());
    return rows.empty() ? -1 : alive_in(rows);
  }

  /// True once every node sees `n` alive members (polled until `timeout`).
  bool await_alive_everywhere(int n, std::chrono::milliseconds timeout) {
    return wait_until(
      [&] {
        for (size_t k = 0; k < nodes.size(); ++k)
          if (alive_seen_by(k) != n)
            return false;
        return true;
      },
      timeout);
  }

  /// Members alive as node `k` on host `i` sees them, asked from inside host i (it may be cut
  /// off from the test process): redis-cli through `ip netns exec`; -1 when it did not answer.
  int alive_seen_inside(int i, size_t k) {
    auto argv = hosts.in_host(i, {"redis-cli", "-h", hosts.address(i), "-p",
                                  std::to_string(nodes[k]->resp_port()), "AC.MEMBERS"});
    auto r = run_tool(argv, std::chrono::seconds(3));
    if (r.exit_code != 0 || r.out.empty())
      return -1;
    // Piped, redis-cli prints one element per line: id, address, resp_address, state, ...
    int alive = 0;
    size_t pos = 0;
    while ((pos = r.out.find("alive\n", pos)) != std::string::npos) {
      alive += pos == 0 || r.out[pos - 1] == '\n';
      pos += 6;
    }
    return alive;
  }
};

} // namespace ac::test
