// A cluster of actorcache-node processes on loopback for the process tests: start, convergence,
// what each node says of itself (members, computes, waiters), and storms of one key.
#pragma once

#include <future>
#include <iostream>
#include <map>
#include <optional>
#include <set>

#include <hiredis/hiredis.h>
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "tests/support/raw_socket.hpp"
#include "tests/support/redis_server.hpp"
#include "tests/support/resp_client.hpp"
#include "tests/support/ring_keys.hpp"
#include "tests/support/tool_run.hpp"

namespace ac::test::cluster_tests {

using namespace std::chrono_literals;
using json = nlohmann::json;
using ac::test::key_owned_by;
using ac::test::node_process;
using ac::test::owner_among;
using ac::test::tool_result;
using ac::test::wait_until;
using clock_type = std::chrono::steady_clock;
using ms = std::chrono::milliseconds;

// The nodes' failure timeout; heartbeats go out every 500 ms (the default).
constexpr auto failure_timeout = 2s;
inline const std::string failure_timeout_option = "--cluster.failure-timeout=2s";

// Conditions are awaited with ac::test::wait_until, polled every 100 ms here (the tools are
// processes: a 5 ms poll would only burn the two cores the nodes need).
constexpr auto poll_interval = 100ms;

inline ms since(clock_type::time_point t0) {
  return std::chrono::duration_cast<ms>(clock_type::now() - t0);
}

inline std::optional<json> parse(const tool_result& r) {
  if (r.exit_code != 0 || r.timed_out)
    return std::nullopt;
  auto j = json::parse(r.out, nullptr, false);
  if (j.is_discarded())
    return std::nullopt;
  return j;
}

// `console members --json` of node `n`, or nullopt when it did not answer in time.
inline std::optional<json> members_of(const node_process& n) {
  return parse(n.console({"members", "--json", "--timeout=2s"}, 5s));
}

// member id -> state, as node `n` sees it; empty when it did not answer.
inline std::map<std::string, std::string> states_seen_by(const node_process& n) {
  std::map<std::string, std::string> out;
  if (auto j = members_of(n))
    for (auto& m : (*j)["members"])
      out[m["id"].get<std::string>()] = m["state"].get<std::string>();
  return out;
}

// `node.computes` from `console stats --json`, or -1.
inline int64_t computes_of(const node_process& n) {
  auto j = parse(n.console({"stats", "--json", "--timeout=2s"}, 5s));
  return j ? (*j)["node"]["computes"].get<int64_t>() : -1;
}

// Node `n`'s requests so far (hits + misses), or -1.
inline int64_t lookups_of(const node_process& n) {
  auto j = parse(n.console({"stats", "--json", "--timeout=2s"}, 5s));
  return j ? (*j)["node"]["hits"].get<int64_t>() + (*j)["node"]["misses"].get<int64_t>() : -1;
}

// Computes running now on node `n` (the compute actor's `busy`), or -1.
inline int64_t busy_of(const node_process& n) {
  auto j = parse(n.console({"stats", "--json", "--timeout=2s"}, 5s));
  if (!j)
    return -1;
  for (auto& a : (*j)["actors"])
    if (a["kind"] == "compute" && a.contains("busy"))
      return a["busy"].get<int64_t>();
  return -1;
}

// Counter `name` of node `n`'s actor row of `kind`, or -1.
inline int64_t actor_counter(const node_process& n, const std::string& kind,
                             const std::string& name) {
  auto j = parse(n.console({"stats", "--json", "--timeout=2s"}, 5s));
  if (!j)
    return -1;
  for (auto& a : (*j)["actors"])
    if (a["kind"] == kind && a.contains(name))
      return a[name].get<int64_t>();
  return -1;
}

// Callers waiting for flights on node `n` (its coalescers' `waiters`), or -1.
inline int64_t waiters_of(const node_process& n) {
  auto j = parse(n.console({"stats", "--json", "--timeout=2s"}, 5s));
  if (!j)
    return -1;
  int64_t sum = 0;
  for (auto& a : (*j)["actors"])
    if (a["kind"] == "coalescer" && a.contains("waiters"))
      sum += a["waiters"].get<int64_t>();
  return sum;
}

inline std::string tail_of(const std::string& file, size_t bytes = 1500) {
  auto s = ac::test::slurp(file);
  return s.size() > bytes ? s.substr(s.size() - bytes) : s;
}

// Nodes a, b, c (b and c join through a), each on an ephemeral port with the same options.
struct cluster {
  ac::test::temp_dir dir{"ac-cluster-test"};
  std::vector<std::string> options;
  std::vector<std::unique_ptr<node_process>> nodes;

  explicit cluster(std::vector<std::string> opts) : options(std::move(opts)) {
    options.push_back(failure_timeout_option);
    options.push_back("--cache.shards=2");
    options.push_back("--loader.workers=2");
  }

  // Starts a, then b and c with a as their seed; false when a node does not come up.
  bool start() {
    nodes.push_back(std::make_unique<node_process>("a", options, dir.path()));
    if (!nodes.back()->start())
      return false;
    auto seeded = options;
    seeded.push_back(nodes.front()->seed_option());
    for (auto id : {"b", "c"}) {
      nodes.push_back(std::make_unique<node_process>(id, seeded, dir.path()));
      if (!nodes.back()->start())
        return false;
    }
    return true;
  }

  node_process& a() { return *nodes.at(0); }
  node_process& b() { return *nodes.at(1); }
  node_process& c() { return *nodes.at(2); }

  // True when every node in `which` sees exactly the states in `want`.
  static bool all_see(const std::vector<node_process*>& which,
                      const std::map<std::string, std::string>& want) {
    for (auto* n : which)
      if (states_seen_by(*n) != want)
        return false;
    return true;
  }

  // Polls until a, b and c each see all three alive.
  bool converged(ms timeout) {
    std::map<std::string, std::string> all_alive{{"a", "alive"}, {"b", "alive"}, {"c", "alive"}};
    return wait_until(
      [&] {
        return all_see({&a(), &b(), &c()}, all_alive);
      },
      timeout, poll_interval);
  }

  // The end of every node's log, for failure messages.
  std::string logs() const {
    std::string s;
    for (auto& n : nodes)
      s += "--- " + n->log_file() + "\n" + tail_of(n->log_file());
    return s;
  }
};

inline std::unique_ptr<cluster> make_cluster(std::vector<std::string> options) {
  return std::make_unique<cluster>(std::move(options));
}

// Passes `ok` through; when it is false, the nodes' logs go to stderr (ctest shows them).
inline bool logged(bool ok, const cluster& c) {
  if (!ok)
    std::cerr << c.logs() << std::endl;
  return ok;
}

// The programs are built: a missing one fails the test (a setup failure, never a skip).
#define REQUIRE_BUILT()                                                                        \
  REQUIRE(                                                                                     \
    ac::test::missing_programs({"actorcache-node", "actorcache-client", "actorcache-console"}) \
      .empty())

// A cluster with `options`, started and converged (the programs built: else the test fails).
inline std::unique_ptr<cluster> converged_cluster(std::vector<std::string> options) {
  REQUIRE_BUILT();
  auto c = make_cluster(std::move(options));
  REQUIRE(logged(c->start(), *c));
  REQUIRE(logged(c->converged(15s), *c));
  return c;
}

// A three-node cluster's nodes: the one that `is_owner` picks out and the two others.
struct owner_and_others {
  node_process* owner = nullptr;
  std::vector<node_process*> others;
};

// Splits `c`'s nodes by `is_owner`; fails the test unless one node is the owner and two are not.
template <class IsOwner>
owner_and_others split_by_owner(cluster& c, IsOwner is_owner) {
  owner_and_others split;
  for (auto& n : c.nodes) {
    if (is_owner(*n))
      split.owner = n.get();
    else
      split.others.push_back(n.get());
  }
  REQUIRE(split.owner != nullptr);
  REQUIRE(split.others.size() == 2);
  return split;
}

// The programs and redis-server are there: a missing one fails the test (never a skip).
inline bool require_programs_and_redis() {
  REQUIRE_BUILT();
  REQUIRE(ac::test::redis_server::installed());
  return true;
}

// The redis-server of a storm_cluster: a base, so that it starts before the nodes and stops
// after them.
struct storm_redis {
  bool ready = require_programs_and_redis(); // before anything starts
  ac::test::redis_server redis;
};

// Three nodes sharing a redis-server of their own as L2 (keys under `key_prefix`), a synthetic
// loader taking `cost` per compute: the set-up of the hand-off storms.
struct storm_cluster : storm_redis, cluster {
  storm_cluster(const std::string& key_prefix, const std::string& cost)
    : cluster({"--redis.enabled", "--redis.port=" + std::to_string(redis.port()),
               "--redis.key-prefix=" + key_prefix, "--loader.kind=synthetic",
               "--loader.cost=" + cost, "--cluster.heartbeat-interval=200ms"}) {}
};

// A storm_cluster, started and converged.
inline std::unique_ptr<storm_cluster> start_storm_cluster(const std::string& key_prefix,
                                                          const std::string& cost) {
  auto c = std::make_unique<storm_cluster>(key_prefix, cost);
  REQUIRE(logged(c->start(), *c));
  REQUIRE(logged(c->converged(15s), *c));
  return c;
}

// `callers` clients of node `n` asking once each for the one key prefix + "0", at the same time;
// the load tool's --json document when they are done (each request bounded by 20 s).
inline std::future<tool_result> storm(node_process& n, const std::string& prefix, int callers) {
  return std::async(std::launch::async, [&n, callers, prefix] {
    auto count = "=" + std::to_string(callers);
    return n.client(
      {"--timeout=20s", "load", "--clients" + count, "--window=1", "--requests" + count, "--keys=1",
       "--key-prefix=" + prefix, "--get-ratio=1", "--json"},
      40s);
  });
}

inline int64_t total_computes(cluster& c) {
  int64_t sum = 0;
  for (auto& n : c.nodes) {
    auto x = computes_of(*n);
    if (x < 0)
      return -1;
    sum += x;
  }
  return sum;
}

// The text of a bulk, status or error reply ("<none>" for anything else or none).
inline std::string reply_text(const redisReply* r) {
  return r != nullptr && r->str != nullptr ? std::string(r->str, r->len) : std::string{"<none>"};
}

// Starts node a alone.
inline bool start_a(cluster& c) {
  c.nodes.push_back(std::make_unique<node_process>("a", c.options, c.dir.path()));
  return c.nodes.back()->start();
}

// Starts node b with a as its seed and waits until both see both alive.
inline bool add_b(cluster& c) {
  auto seeded = c.options;
  seeded.push_back(c.a().seed_option());
  c.nodes.push_back(std::make_unique<node_process>("b", seeded, c.dir.path()));
  if (!c.nodes.back()->start())
    return false;
  std::map<std::string, std::string> two{{"a", "alive"}, {"b", "alive"}};
  return wait_until([&] { return cluster::all_see({&c.a(), &c.b()}, two); }, 15s, poll_interval);
}

// A connection that holds the lease of `key` it asked `n` for; its token in `token`.
inline std::unique_ptr<ac::test::resp_client> lease_holder(node_process& n, const std::string& key,
                                                           std::string& token) {
  auto holder = std::make_unique<ac::test::resp_client>(n.resp_port(), 30s);
  auto lease = holder->run({"AC.GETORLEASE", key, "20000"});
  if (!lease || lease->elements != 2 || reply_text(lease->element[0]) != "lease")
    return nullptr;
  token = reply_text(lease->element[1]);
  return holder;
}

} // namespace ac::test::cluster_tests
