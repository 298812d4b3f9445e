// Process tests of a cluster whose key owner dies, joins or leaves mid-compute: one compute, every caller answered.
#include <catch2/catch.hpp>

#include "tests/support/cluster_fixture.hpp"

using namespace ac::test::cluster_tests;

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

// Long on purpose: one scenario (a storm, a join in the middle of it, the counts), each step
// depending on the one before.
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
