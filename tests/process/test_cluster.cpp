// Process tests of a three-node actorcache cluster on loopback: membership, routing, one compute per key, failures.
#include <catch2/catch.hpp>

#include "tests/support/cluster_fixture.hpp"

using namespace ac::test::cluster_tests;

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
