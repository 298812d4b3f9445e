// Process tests of a three-node actorcache cluster on loopback: membership, routing, one compute per key, failures.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include <future>
#include <iostream>
#include <map>
#include <optional>
#include <set>

#include "tests/support/raw_socket.hpp"
#include "tests/support/redis_server.hpp"
#include "tests/support/resp_client.hpp"
#include "tests/support/ring_keys.hpp"
#include "tests/support/tool_run.hpp"

namespace {

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
const std::string failure_timeout_option = "--cluster.failure-timeout=2s";

// Conditions are awaited with ac::test::wait_until, polled every 100 ms here (the tools are
// processes: a 5 ms poll would only burn the two cores the nodes need).
constexpr auto poll_interval = 100ms;

ms since(clock_type::time_point t0) {
  return std::chrono::duration_cast<ms>(clock_type::now() - t0);
}

std::optional<json> parse(const tool_result& r) {
  if (r.exit_code != 0 || r.timed_out)
    return std::nullopt;
  auto j = json::parse(r.out, nullptr, false);
  if (j.is_discarded())
    return std::nullopt;
  return j;
}

// `console members --json` of node `n`, or nullopt when it did not answer in time.
std::optional<json> members_of(const node_process& n) {
  return parse(n.console({"members", "--json", "--timeout=2s"}, 5s));
}

// member id -> state, as node `n` sees it; empty when it did not answer.
std::map<std::string, std::string> states_seen_by(const node_process& n) {
  std::map<std::string, std::string> out;
  if (auto j = members_of(n))
    for (auto& m : (*j)["members"])
      out[m["id"].get<std::string>()] = m["state"].get<std::string>();
  return out;
}

// `node.computes` from `console stats --json`, or -1.
int64_t computes_of(const node_process& n) {
  auto j = parse(n.console({"stats", "--json", "--timeout=2s"}, 5s));
  return j ? (*j)["node"]["computes"].get<int64_t>() : -1;
}

// Node `n`'s requests so far (hits + misses), or -1.
int64_t lookups_of(const node_process& n) {
  auto j = parse(n.console({"stats", "--json", "--timeout=2s"}, 5s));
  return j ? (*j)["node"]["hits"].get<int64_t>() + (*j)["node"]["misses"].get<int64_t>() : -1;
}

// Computes running now on node `n` (the compute actor's `busy`), or -1.
int64_t busy_of(const node_process& n) {
  auto j = parse(n.console({"stats", "--json", "--timeout=2s"}, 5s));
  if (!j)
    return -1;
  for (auto& a : (*j)["actors"])
    if (a["kind"] == "compute" && a.contains("busy"))
      return a["busy"].get<int64_t>();
  return -1;
}

// Counter `name` of node `n`'s actor row of `kind`, or -1.
int64_t actor_counter(const node_process& n, const std::string& kind, const std::string& name) {
  auto j = parse(n.console({"stats", "--json", "--timeout=2s"}, 5s));
  if (!j)
    return -1;
  for (auto& a : (*j)["actors"])
    if (a["kind"] == kind && a.contains(name))
      return a[name].get<int64_t>();
  return -1;
}

// Callers waiting for flights on node `n` (its coalescers' `waiters`), or -1.
int64_t waiters_of(const node_process& n) {
  auto j = parse(n.console({"stats", "--json", "--timeout=2s"}, 5s));
  if (!j)
    return -1;
  int64_t sum = 0;
  for (auto& a : (*j)["actors"])
    if (a["kind"] == "coalescer" && a.contains("waiters"))
      sum += a["waiters"].get<int64_t>();
  return sum;
}

std::string tail_of(const std::string& file, size_t bytes = 1500) {
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

std::unique_ptr<cluster> make_cluster(std::vector<std::string> options) {
  return std::make_unique<cluster>(std::move(options));
}

// Passes `ok` through; when it is false, the nodes' logs go to stderr (ctest shows them).
bool logged(bool ok, const cluster& c) {
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
std::unique_ptr<cluster> converged_cluster(std::vector<std::string> options) {
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
bool require_programs_and_redis() {
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
std::unique_ptr<storm_cluster> start_storm_cluster(const std::string& key_prefix,
                                                   const std::string& cost) {
  auto c = std::make_unique<storm_cluster>(key_prefix, cost);
  REQUIRE(logged(c->start(), *c));
  REQUIRE(logged(c->converged(15s), *c));
  return c;
}

// `callers` clients of node `n` asking once each for the one key prefix + "0", at the same time;
// the load tool's --json document when they are done (each request bounded by 20 s).
std::future<tool_result> storm(node_process& n, const std::string& prefix, int callers) {
  return std::async(std::launch::async, [&n, callers, prefix] {
    auto count = "=" + std::to_string(callers);
    return n.client(
      {"--timeout=20s", "load", "--clients" + count, "--window=1", "--requests" + count, "--keys=1",
       "--key-prefix=" + prefix, "--get-ratio=1", "--json"},
      40s);
  });
}

int64_t total_computes(cluster& c) {
  int64_t sum = 0;
  for (auto& n : c.nodes) {
    auto x = computes_of(*n);
    if (x < 0)
      return -1;
    sum += x;
  }
  return sum;
}

} // namespace

TEST_CASE("three nodes converge to three alive members with one epoch and a third of the keys each",
          "[cluster][process]") {
  REQUIRE_BUILT();
  auto c = make_cluster({});
  REQUIRE(logged(c->start(), *c));
  std::vector<json> views;
  bool same = wait_until(
    [&] {
      views.clear();
      for (auto& n : c->nodes)
        if (auto j = members_of(*n))
          views.push_back(*j);
      if (views.size() != 3)
        return false;
      for (auto& v : views) {
        if (v["epoch"] != views[0]["epoch"] || v["members"].size() != 3)
          return false;
        for (auto& m : v["members"])
          if (m["state"] != "alive")
            return false;
      }
      return true;
    },
    15s, poll_interval);
  REQUIRE(logged(same, *c));
  for (auto& v : views) {
    std::set<std::string> ids;
    for (auto& m : v["members"]) {
      ids.insert(m["id"].get<std::string>());
      double share = m["share"].get<double>();
      CHECK(share == Approx(1.0 / 3).margin(0.05));
    }
    CHECK(ids == std::set<std::string>{"a", "b", "c"});
  }
}

TEST_CASE("every node answers a key identically, stored or computed", "[cluster][process]") {
  auto c = converged_cluster({"--loader.kind=synthetic", "--loader.value-size=64"});
  REQUIRE(c->a().client({"put", "shared-key", "the one value"}).out == "OK\n");
  std::vector<std::string> computed;
  for (auto& n : c->nodes) {
    for (auto route : {"--route=owner", "--route=any"}) {
      INFO("via node " << n->id() << " " << route);
      auto stored = n->client({route, "get", "shared-key"});
      CHECK(stored.exit_code == 0);
      CHECK(stored.out == "the one value\n");
      auto miss = n->client({route, "get", "computed-key"});
      CHECK(miss.exit_code == 0);
      CHECK(miss.out.size() == 65); // 64 bytes and a newline
      computed.push_back(miss.out);
    }
  }
  for (auto& v : computed)
    CHECK(v == computed.front());
  CHECK(total_computes(*c) == 1); // the put key was never computed; the other key once
  CHECK(c->b().client({"--route=nearest", "get", "shared-key"}).exit_code == 2);
}

TEST_CASE("600 concurrent lookups of one missing key over three nodes compute it once",
          "[cluster][process]") {
  REQUIRE_BUILT();
  REQUIRE(ac::test::redis_server::installed());
  ac::test::redis_server redis;
  auto c =
    make_cluster({"--redis.enabled", "--redis.port=" + std::to_string(redis.port()),
                  "--redis.key-prefix=clt:", "--loader.kind=synthetic", "--loader.cost=300ms"});
  REQUIRE(logged(c->start(), *c));
  REQUIRE(logged(c->converged(15s), *c));
  // Owner routing sends every lookup straight to the owner; --route=any lets a, b and c
  // each forward to it. Either way the whole cluster computes the key once.
  int64_t expected = 0;
  for (auto [route, prefix] :
       {std::pair{"--route=owner", "storm-owner-"}, std::pair{"--route=any", "storm-any-"}}) {
    INFO(route);
    std::vector<std::future<tool_result>> loads;
    for (auto& n : c->nodes)
      loads.push_back(std::async(std::launch::async, [&n, route = route, prefix = prefix] {
        return n->client(
          {route, "load", "--clients=200", "--window=1", "--requests=200", "--keys=1",
           std::string{"--key-prefix="} + prefix, "--get-ratio=1", "--json"},
          60s);
      }));
    for (auto& f : loads) {
      auto r = f.get();
      INFO(r.out);
      CHECK(r.exit_code == 0);
      auto j = parse(r);
      REQUIRE(j);
      CHECK((*j)["requests"] == 200);
      CHECK((*j)["ok"] == 200);
    }
    CHECK(total_computes(*c) == ++expected);
  }
}

TEST_CASE("kill -9 of a node during a load loses under 0.1% of lookups and the survivors agree",
          "[cluster][process]") {
  // Each first lookup of a key costs 2 ms, so the load lasts seconds, not a fraction of one.
  auto c = converged_cluster({"--loader.kind=synthetic", "--loader.cost=2ms"});
  auto load = std::async(std::launch::async, [&c] {
    return c->a().client(
      {"--node=" + c->b().address(), "load", "--clients=4", "--window=1", "--requests=20000",
       "--keys=2000", "--key-prefix=kill-", "--get-ratio=1", "--json"},
      90s);
  });
  // Kill c once it has served some of the load, while the load still runs.
  auto load_started = clock_type::now();
  bool started = wait_until([&] { return lookups_of(c->c()) >= 300; }, 20s, 20ms);
  bool running = load.wait_for(0s) == std::future_status::timeout;
  c->c().kill();
  auto killed_at = clock_type::now();
  REQUIRE(started);
  CHECK(running);
  std::map<std::string, std::string> want{{"a", "alive"}, {"b", "alive"}, {"c", "down"}};
  bool agreed = wait_until(
    [&] {
      return c->all_see({&c->a(), &c->b()}, want);
    },
    failure_timeout + 5s, poll_interval);
  auto agreed_after = since(killed_at);
  CHECK(logged(agreed, *c));
  CHECK(agreed_after <= failure_timeout + 1s);
  auto r = load.get();
  INFO(r.out);
  auto j = parse(r);
  if (!j)
    j = json::parse(r.out, nullptr, false); // exit 2 when some lookups failed
  REQUIRE((j && !j->is_discarded()));
  CHECK((*j)["requests"] == 20000);
  double ok_ratio = (*j)["ok"].get<double>() / (*j)["requests"].get<double>();
  CHECK(ok_ratio >= 0.999);
  WARN("kill -9 " << std::chrono::duration_cast<ms>(killed_at - load_started).count()
                  << " ms into a load of " << (*j)["seconds"] << " s: ok ratio " << ok_ratio
                  << ", survivors agreed after " << agreed_after.count() << " ms");
}

TEST_CASE("a frozen node is declared down and comes back, and a restarted node leaves and rejoins",
          "[cluster][process]") {
  auto c = converged_cluster({});
  std::vector<node_process*> others{&c->a(), &c->b()};

  REQUIRE(c->c().freeze());
  auto frozen_at = clock_type::now();
  std::map<std::string, std::string> c_down{{"a", "alive"}, {"b", "alive"}, {"c", "down"}};
  bool down =
    wait_until([&] { return c->all_see(others, c_down); }, failure_timeout + 5s, poll_interval);
  auto down_after = since(frozen_at);
  CHECK(logged(down, *c));
  // last heartbeat up to one interval (500 ms) before the freeze, one tick to notice.
  CHECK(down_after <= failure_timeout + 1500ms);
  CHECK(down_after >= failure_timeout - 600ms);

  REQUIRE(c->c().thaw());
  CHECK(logged(c->converged(failure_timeout + 5s), *c));

  auto port = c->c().port();
  CHECK(c->c().terminate() == 0);
  std::map<std::string, std::string> c_left{{"a", "alive"}, {"b", "alive"}, {"c", "left"}};
  CHECK(logged(wait_until([&] { return c->all_see(others, c_left); }, 5s, poll_interval), *c));

  REQUIRE(c->c().start(port));
  CHECK(logged(c->converged(failure_timeout + 8s), *c));
  WARN("SIGSTOP: declared down after " << down_after.count() << " ms (failure timeout "
                                       << ms(failure_timeout).count() << " ms)");
}

TEST_CASE(
  "a get whose compute outlasts the client's timeout, retried through every node, is "
  "computed once",
  "[cluster][process]") {
  auto c = converged_cluster({"--loader.kind=synthetic", "--loader.cost=3s"});
  // Each client times out after 1 s, retries once (the owner again: it is slow, not down),
  // and gives up; every attempt joins the one flight at the owner.
  for (auto route : {"--route=owner", "--route=any"}) {
    INFO(route);
    std::string key = std::string{"slow-"} + (route[8] == 'o' ? "owner" : "any");
    std::vector<std::future<tool_result>> gets;
    for (auto& n : c->nodes)
      gets.push_back(std::async(std::launch::async, [&n, route, key] {
        return n->client({route, "--timeout=1s", "get", key}, 30s);
      }));
    for (auto& f : gets)
      CHECK(f.get().exit_code == 2); // timed out, twice
  }
  REQUIRE(wait_until([&] { return total_computes(*c) == 2; }, 15s, poll_interval));
  for (auto& n : c->nodes) {
    CHECK(n->client({"get", "slow-owner"}, 10s).exit_code == 0);
    CHECK(n->client({"--route=any", "get", "slow-any"}, 10s).exit_code == 0);
  }
  CHECK(total_computes(*c) == 2); // one per key, however many nodes were asked
}

TEST_CASE("a node whose id is a live member's, or whose loader differs, is refused and exits 2",
          "[cluster][process]") {
  REQUIRE_BUILT();
  ac::test::temp_dir dir{"ac-refuse-test"};
  node_process a("a", {"--loader.kind=synthetic"}, dir.path());
  REQUIRE(a.start());
  auto seeds = a.seed_option();
  SECTION("the same node.id as a live member") {
    node_process twin("a", {seeds, "--loader.kind=synthetic"}, dir.path() + "/twin");
    std::filesystem::create_directories(dir.path() + "/twin");
    twin.start(); // it binds, then the cluster refuses it
    REQUIRE(wait_until([&] { return !twin.alive(); }, 15s, poll_interval));
    CHECK(twin.terminate() == std::optional<int>{2});
    CHECK(tail_of(twin.log_file()).find("already a live member") != std::string::npos);
  }
  SECTION("another loader kind") {
    node_process other("b", {seeds, "--loader.kind=none"}, dir.path());
    other.start();
    REQUIRE(wait_until([&] { return !other.alive(); }, 15s, poll_interval));
    CHECK(other.terminate() == std::optional<int>{2});
    CHECK(tail_of(other.log_file()).find("settings differ") != std::string::npos);
  }
  CHECK(tail_of(a.log_file()).find("refused") != std::string::npos);
  CHECK(a.alive());
  // The cluster stays as it was: one member.
  auto m = a.console({"members", "--json"});
  CHECK(m.out.find("\"state\":\"alive\"") != std::string::npos);
}

TEST_CASE(
  "the owner killed with -9 mid-compute: the new owner computes once and every caller "
  "gets the value or a clear error in time",
  "[cluster][process]") {
  auto c =
    converged_cluster({"--loader.kind=synthetic", "--loader.cost=2s",
                       "--cluster.failure-timeout=1s", "--cluster.heartbeat-interval=200ms"});
  // Which node owns the key (asked over RESP, as a smart client would)?
  auto owner = ac::test::run_tool(
    {"redis-cli", "-p", std::to_string(c->a().resp_port()), "AC.OWNER", "victim"}, 10s);
  REQUIRE(owner.exit_code == 0);
  auto split = split_by_owner(*c, [&](node_process& n) {
    return owner.out == "127.0.0.1:" + std::to_string(n.resp_port()) + "\n";
  });
  node_process* doomed = split.owner;
  auto survivors = split.others;
  std::vector<std::future<tool_result>> gets;
  for (auto* n : survivors)
    for (int i = 0; i < 3; ++i)
      gets.push_back(std::async(std::launch::async, [n] {
        return n->client({"--timeout=8s", "get", "victim"}, 30s);
      }));
  // The owner is computing (its compute takes 2 s): kill it mid-compute.
  REQUIRE(wait_until([&] { return busy_of(*doomed) >= 1; }, 5s, 20ms));
  doomed->kill();
  int answered = 0;
  for (auto& g : gets) {
    auto r = g.get();
    INFO(r.out);
    CHECK(!r.timed_out);
    CHECK((r.exit_code == 0 || r.exit_code == 2));
    answered += r.exit_code == 0;
  }
  CHECK(answered >= 1);
  int64_t computes = 0;
  for (auto* n : survivors)
    computes += computes_of(*n);
  CHECK(logged(computes == 1, *c)); // the new owner's one compute; the dead node's counted nothing
  if (computes != 1)
    for (auto* n : survivors)
      std::cerr << n->id() << ": " << n->console({"stats", "--json", "--timeout=2s"}, 5s).out
                << "\n";
}

TEST_CASE(
  "a key fenced to its new owner, and that owner killed with -9 mid-compute: the previous "
  "owner computes it at once instead of waiting on the dead node",
  "[cluster][process][handoff]") {
  auto c = converged_cluster({"--loader.kind=synthetic", "--loader.cost=2s"});
  // A key c took over when it joined: before, the previous owner (a or b) had it.
  auto key = key_owned_by("c", {"a", "b", "c"}, "fenced-");
  auto previous_id = owner_among({"a", "b"}, key);
  node_process& previous = previous_id == "a" ? c->a() : c->b();
  auto fenced_on = [](const node_process& n) {
    auto j = parse(n.console({"stats", "--json", "--timeout=2s"}, 5s));
    int64_t sum = 0;
    if (j)
      for (auto& row : (*j)["actors"])
        if (row["kind"] == "coalescer" && row.contains("fenced"))
          sum += row["fenced"].get<int64_t>();
    return sum;
  };
  // c computes the key after asking the previous owner, which fences the key to c.
  auto first = std::async(std::launch::async, [&] {
    return c->c().client({"--timeout=8s", "get", key}, 30s);
  });
  REQUIRE(wait_until([&] { return busy_of(c->c()) >= 1; }, 5s, 20ms));
  REQUIRE(fenced_on(previous) == 1);
  c->c().kill();
  first.get();
  // The caller asks again at once: the client goes to the previous owner, whose key is fenced to
  // the dead node. Whether the load gets there before or after the previous owner's routes drop
  // c (a race of milliseconds; tests/actors/test_coalescer_fence.cpp pins the "before"), it is
  // computed there once, in time.
  auto t0 = clock_type::now();
  auto again = previous.client({"--timeout=8s", "--raw", "get", key}, 30s);
  INFO(again.out);
  CHECK(!again.timed_out);
  CHECK(again.exit_code == 0);
  CHECK(!again.out.empty());
  CHECK(since(t0) < 6s); // one 2 s compute, not a wait for the dead node's load timeout
  CHECK(logged(computes_of(previous) == 1, *c));
}

TEST_CASE(
  "a storm of 1,000 callers of one key while a fourth node joins and takes the key over "
  "computes it once",
  "[cluster][process][handoff]") {
  auto c = start_storm_cluster("join:", "6s");
  // A key a, b and c give to one of them and a, b, c and d give to d (the load tool's keys are
  // prefix + "0").
  std::string prefix;
  for (int i = 0; prefix.empty(); ++i)
    if (auto p = "join-storm-" + std::to_string(i) + "-";
        owner_among({"a", "b", "c", "d"}, p + "0") == "d")
      prefix = p;
  auto old_owner = owner_among({"a", "b", "c"}, prefix + "0");
  node_process* owner =
    split_by_owner(*c, [&](node_process& n) { return n.id() == old_owner; }).owner;
  // 500 callers over a, b and c while the old owner computes the key (6 s).
  std::vector<std::future<tool_result>> loads;
  loads.push_back(storm(c->a(), prefix, 170));
  loads.push_back(storm(c->b(), prefix, 165));
  loads.push_back(storm(c->c(), prefix, 165));
  REQUIRE(wait_until([&] { return busy_of(*owner) >= 1; }, 5s, 20ms));
  // d joins and now owns the key; 500 more callers, half of them on d.
  auto seeded = c->options;
  seeded.push_back(c->a().seed_option());
  c->nodes.push_back(std::make_unique<node_process>("d", seeded, c->dir.path()));
  REQUIRE(logged(c->nodes.back()->start(), *c));
  auto& d = *c->nodes.back();
  std::map<std::string, std::string> four{
    {"a", "alive"}, {"b", "alive"}, {"c", "alive"}, {"d", "alive"}};
  REQUIRE(logged(wait_until(
                   [&] {
                     return cluster::all_see({&c->a(), &c->b(), &c->c(), &d}, four);
                   },
                   10s, poll_interval),
                 *c));
  // The old owner's flight is still running: what follows is the race under test.
  REQUIRE(busy_of(*owner) >= 1);
  loads.push_back(storm(d, prefix, 250));
  loads.push_back(storm(c->a(), prefix, 90));
  loads.push_back(storm(c->b(), prefix, 80));
  loads.push_back(storm(c->c(), prefix, 80));
  int64_t ok = 0;
  for (auto& f : loads) {
    auto r = f.get();
    INFO(r.out);
    auto j = parse(r);
    REQUIRE(j);
    CHECK((*j)["errors"] == 0);
    ok += (*j)["ok"].get<int64_t>();
  }
  CHECK(ok == 1000);
  int64_t computes = 0;
  std::string per_node;
  for (auto& n : c->nodes) {
    auto k = computes_of(*n);
    computes += k;
    per_node += n->id() + "=" + std::to_string(k) + " ";
  }
  INFO("computes per node: " << per_node << "(the key moved from " << old_owner << " to d)");
  CHECK(logged(computes == 1, *c));
}

TEST_CASE(
  "SIGTERM ends a node whose RESP client waits on a frozen owner, and closes that "
  "connection",
  "[cluster][process]") {
  auto c = converged_cluster({});
  auto key = key_owned_by("c", {"a", "b", "c"}, "frozen-owner-");
  auto resp_port = c->b().resp_port();
  REQUIRE(resp_port != 0);
  int fd = ac::test::connect_to(resp_port);
  REQUIRE(fd >= 0);
  // b sends the GET to c's front before it declares c down (2 s): no reply comes from c, and b
  // answers the GET itself only once it has declared c down; the shutdown comes first.
  REQUIRE(c->c().freeze());
  std::string get = "*2\r\n$3\r\nGET\r\n$" + std::to_string(key.size()) + "\r\n" + key + "\r\n";
  REQUIRE(::send(fd, get.data(), get.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(get.size()));
  // b ran the GET (sent it on to c) and owes its reply.
  REQUIRE(logged(
    wait_until([&] { return actor_counter(c->b(), "resp", "commands") >= 1; }, 5s, poll_interval),
    *c));
  auto code = c->b().terminate(15s);
  bool closed = ac::test::closed_by_peer(fd, 5s);
  ::close(fd);
  CHECK(c->c().thaw());
  REQUIRE(logged(code.has_value(), *c));
  CHECK(*code == 0);
  CHECK(closed);
}

TEST_CASE(
  "a storm of callers of one key while its owner leaves (SIGTERM) mid-compute computes it "
  "once, the new owner joining the leaving owner's flight",
  "[cluster][process][handoff]") {
  // 4.8 s: the leaving owner finishes a flight within its 5 s drain, and SIGTERM comes only
  // once the 300 callers wait, so less than that is left of it then; the callers get all of it
  // to arrive (with 4 s, a loaded CI box once fell short).
  auto c = start_storm_cluster("leave:", "4800ms");
  std::string prefix = "leave-storm-"; // the load tool's one key is prefix + "0"
  auto owner_id = owner_among({"a", "b", "c"}, prefix + "0");
  auto split = split_by_owner(*c, [&](node_process& n) { return n.id() == owner_id; });
  node_process* owner = split.owner;
  auto survivors = split.others;
  std::vector<std::future<tool_result>> loads;
  for (auto& n : c->nodes)
    loads.push_back(storm(*n, prefix, 100));
  // Every caller waits in the owner's flight (a client that had not sent its request yet when
  // the owner stops taking connections would fail, which is not what this test is about).
  REQUIRE(wait_until([&] { return busy_of(*owner) >= 1 && waiters_of(*owner) >= 300; }, 10s, 20ms));
  // The owner leaves while its compute runs; it finishes the flight before it exits.
  auto stopped = std::async(std::launch::async, [owner] { return owner->terminate(15s); });
  REQUIRE(logged(wait_until(
                   [&] {
                     for (auto* n : survivors)
                       if (states_seen_by(*n)[owner_id] != "left")
                         return false;
                     return true;
                   },
                   5s, poll_interval),
                 *c));
  // The survivors own the key now and its flight is still running on the leaving node: what
  // follows is the race under test.
  for (auto* n : survivors)
    loads.push_back(storm(*n, prefix, 150));
  int64_t ok = 0;
  for (auto& f : loads) {
    auto r = f.get();
    INFO("exit code " << r.exit_code << ": " << r.out);
    auto j = parse(r);
    REQUIRE(j);
    CHECK((*j)["errors"] == 0);
    ok += (*j)["ok"].get<int64_t>();
  }
  CHECK(ok == 600);
  CHECK(stopped.get() == std::optional<int>{0});
  std::string per_node;
  int64_t computes = 0;
  for (auto* n : survivors) {
    auto k = computes_of(*n);
    computes += k;
    per_node += n->id() + "=" + std::to_string(k) + " ";
  }
  // The leaving owner computed the key once (it was busy with it); the survivors not at all.
  INFO("computes on the survivors: " << per_node << "(" << owner_id << " left while computing)");
  CHECK(logged(computes == 0, *c));
}

namespace {

// The text of a bulk, status or error reply ("<none>" for anything else or none).
std::string reply_text(const redisReply* r) {
  return r != nullptr && r->str != nullptr ? std::string(r->str, r->len) : std::string{"<none>"};
}

// Starts node a alone.
bool start_a(cluster& c) {
  c.nodes.push_back(std::make_unique<node_process>("a", c.options, c.dir.path()));
  return c.nodes.back()->start();
}

// Starts node b with a as its seed and waits until both see both alive.
bool add_b(cluster& c) {
  auto seeded = c.options;
  seeded.push_back(c.a().seed_option());
  c.nodes.push_back(std::make_unique<node_process>("b", seeded, c.dir.path()));
  if (!c.nodes.back()->start())
    return false;
  std::map<std::string, std::string> two{{"a", "alive"}, {"b", "alive"}};
  return wait_until([&] { return cluster::all_see({&c.a(), &c.b()}, two); }, 15s, poll_interval);
}

// A connection that holds the lease of `key` it asked `n` for; its token in `token`.
std::unique_ptr<ac::test::resp_client> lease_holder(node_process& n, const std::string& key,
                                                    std::string& token) {
  auto holder = std::make_unique<ac::test::resp_client>(n.resp_port(), 30s);
  auto lease = holder->run({"AC.GETORLEASE", key, "20000"});
  if (!lease || lease->elements != 2 || reply_text(lease->element[0]) != "lease")
    return nullptr;
  token = reply_text(lease->element[1]);
  return holder;
}

} // namespace

TEST_CASE(
  "a lease held when its key moves to a joining node stays the only lease; the holder's fill "
  "answers the callers waiting on either node",
  "[cluster][process][lease]") {
  REQUIRE_BUILT();
  cluster c({});
  REQUIRE(logged(start_a(c), c));
  auto key = key_owned_by("b", {"a", "b"}, "moving-"); // b takes it from a when it joins
  using ac::test::resp_client;
  auto text = reply_text;
  std::string token;
  auto held = lease_holder(c.a(), key, token);
  REQUIRE(held);
  auto& holder = *held;
  REQUIRE(logged(add_b(c), c));
  auto& b = c.b();
  auto owner_is_b = [&](node_process& n) {
    auto o =
      ac::test::run_tool({"redis-cli", "-p", std::to_string(n.resp_port()), "AC.OWNER", key}, 5s);
    return o.out == "127.0.0.1:" + std::to_string(b.resp_port()) + "\n";
  };
  REQUIRE(wait_until([&] { return owner_is_b(c.a()) && owner_is_b(b); }, 10s, poll_interval));
  // Callers on b and on a: b asks a, which holds the lease, so both wait there; neither gets a
  // second lease (before, b granted one: two computes, and the holder's fill was refused).
  resp_client on_b{b.resp_port(), 30s}, on_a{c.a().resp_port(), 30s};
  on_b.append({"AC.GETORLEASE", key, "20000"});
  on_a.append({"AC.GETORLEASE", key, "20000"});
  REQUIRE(on_b.flush());
  REQUIRE(on_a.flush());
  REQUIRE(logged(wait_until([&] { return actor_counter(c.a(), "lease_keeper", "waiting") == 2; },
                            10s, poll_interval),
                 c));
  CHECK(actor_counter(b, "lease_keeper", "handoff_asks") >= 1);
  SECTION("the holder fills: every caller gets its value, stored at the new owner") {
    // The holder fills through a, which sends AC.FILL to the owner b; b's keeper finds the
    // token is a's and sends it on there.
    auto filled = holder.run({"AC.FILL", key, token, "computed once"});
    CHECK(text(filled.get()) == "OK");
    for (auto* waiter : {&on_b, &on_a}) {
      auto r = waiter->next();
      REQUIRE(r);
      REQUIRE(r->elements == 2);
      CHECK(text(r->element[0]) == "value");
      CHECK(text(r->element[1]) == "computed once");
    }
    auto got =
      ac::test::run_tool({"redis-cli", "-p", std::to_string(b.resp_port()), "GET", key}, 5s);
    CHECK(got.out == "computed once\n");
    CHECK(actor_counter(c.a(), "lease_keeper", "granted")
            + actor_counter(b, "lease_keeper", "granted")
          == 1);
  }
  SECTION("the previous owner dies with the lease: the caller on b gets a lease at once") {
    auto killed = std::chrono::steady_clock::now();
    c.a().kill();
    auto r = on_b.next();
    REQUIRE(r);
    REQUIRE(r->elements == 2);
    CHECK(text(r->element[0]) == "lease");
    CHECK(std::chrono::steady_clock::now() - killed < 5s); // not after the ask's 65 s
  }
}

TEST_CASE(
  "a caller waiting for a lease at the key's owner hears at once when that owner dies, and asking "
  "again gets the lease from the new owner",
  "[cluster][process][lease]") {
  REQUIRE_BUILT();
  cluster c({});
  REQUIRE(logged(start_a(c), c));
  REQUIRE(logged(add_b(c), c));
  auto& b = c.b();
  auto key = key_owned_by("b", {"a", "b"}, "doomed-");
  using ac::test::resp_client;
  auto text = reply_text;
  std::string token;
  auto holder = lease_holder(b, key, token);
  REQUIRE(holder);
  resp_client waiter{c.a().resp_port(), 30s};
  waiter.append({"AC.GETORLEASE", key, "20000"}); // routed to b; may wait there up to 60 s
  REQUIRE(waiter.flush());
  REQUIRE(logged(wait_until([&] { return actor_counter(b, "lease_keeper", "waiting") == 1; }, 10s,
                            poll_interval),
                 c));
  auto killed = std::chrono::steady_clock::now();
  b.kill();
  auto told = waiter.next();
  REQUIRE(told);
  CHECK(text(told.get()).rfind("UNAVAILABLE", 0) == 0);
  CHECK(std::chrono::steady_clock::now() - killed < 5s);
  // Once a has declared b down, a owns the key: asking again there gets a lease.
  REQUIRE(wait_until(
    [&] {
      auto o = ac::test::run_tool(
        {"redis-cli", "-p", std::to_string(c.a().resp_port()), "AC.OWNER", key}, 5s);
      return o.out == "127.0.0.1:" + std::to_string(c.a().resp_port()) + "\n";
    },
    15s, poll_interval));
  // (b had asked a for the key when it joined, and a had fenced it to b: that fence ends with b.)
  auto again = waiter.run({"AC.GETORLEASE", key, "20000"});
  REQUIRE(again);
  REQUIRE(again->elements == 2);
  CHECK(text(again->element[0]) == "lease");
}
