// In-process tests of the sizing supervisor (fed readings), supervision (a failing shard) and /metrics.
#include <catch2/catch.hpp>

#include <atomic>
#include <cstdio>
#include <functional>

#include <httplib.h>

#include "node/metrics_http.hpp"
#include "node/prometheus_text.hpp"
#include "tests/support/child_process.hpp"
#include "tests/support/node_fixture.hpp"

using namespace ac;
using ac::test::node_fixture;
using ac::test::total;
using namespace std::chrono_literals;

namespace {

/// Readings the test sets; the supervisor reads them on its next tick.
struct fake_memory final : memory_reader {
  std::atomic<uint64_t> bytes{uint64_t{16} << 30};
  std::optional<uint64_t> available_bytes() override { return bytes.load(); }
};
struct fake_cpu final : cpu_reader {
  std::atomic<double> percent{70};
  std::optional<double> utilization_percent() override { return percent.load(); }
};

struct fake_cpu_unmeasured final : cpu_reader {
  std::optional<double> utilization_percent() override { return std::nullopt; }
};

/// The node's readers of free memory and CPU replaced by the test's.
node_overrides overrides_of(std::shared_ptr<memory_reader> mem, std::shared_ptr<cpu_reader> cpu) {
  node_overrides o;
  o.memory = std::move(mem);
  o.cpu = std::move(cpu);
  return o;
}

struct sized_node {
  std::shared_ptr<fake_memory> mem = std::make_shared<fake_memory>();
  std::shared_ptr<fake_cpu> cpu = std::make_shared<fake_cpu>();
  node_fixture f;

  explicit sized_node(
    std::function<void(node_config&)> extra = [](node_config&) {},
    std::shared_ptr<cpu_reader> cpu_override = nullptr)
    : f{[&](node_config& c) {
          c.cache_max_bytes = 4 << 20;
          c.sizing_interval = std::chrono::hours(1); // ticks only when the test says
          extra(c);
        },
        overrides_of(mem, cpu_override ? cpu_override : cpu)} {}

  sizing_report resize() {
    caf::anon_send(f.node.supervisor, tick_atom::value);
    sizing_report out;
    f.self->request(f.node.supervisor, 5s, get_atom::value)
      .receive([&](const sizing_report& r) { out = r; }, [](caf::error&) {});
    return out;
  }
};

} // namespace

TEST_CASE("fed memory and CPU readings shrink and grow capacity within the bounds", "[sizing]") {
  sized_node n;
  auto base = uint64_t{4} << 20;
  auto d = n.resize();
  CHECK(d.memory_factor == 1.0);
  CHECK(d.cpu_factor == 1.0);
  CHECK(d.capacity_bytes == base);
  CHECK_FALSE(d.reason.empty());

  n.mem->bytes = uint64_t{3} << 30; // < 4 GiB: factor 0.5
  n.cpu->percent = 95;              // above target + 10: x0.8
  d = n.resize();
  CHECK(d.memory_factor == 0.5);
  CHECK(d.cpu_factor == Approx(0.8));
  CHECK(d.capacity_bytes == static_cast<uint64_t>(base * 0.5 * 0.8));

  n.mem->bytes = uint64_t{1} << 30; // < 2 GiB: factor 0.25; x0.8 would go below base/4
  d = n.resize();
  CHECK(d.capacity_bytes == base / 4);

  n.mem->bytes = uint64_t{32} << 30;
  n.cpu->percent = 10; // below target - 10: x1.2, but never above cache.max-bytes
  d = n.resize();
  CHECK(d.cpu_factor == Approx(1.2));
  CHECK(d.capacity_bytes == base);
  // The decision shows in the node report.
  CHECK(n.f.eventually([&] { return n.f.report().sizing.cpu_factor == Approx(1.2); }));
}

TEST_CASE(
  "with the CPU rule off a busy machine leaves the capacity, and the report says what the rule would have done",
  "[sizing]") {
  sized_node n{[](node_config& c) { c.sizing_cpu_rule = false; }};
  n.cpu->percent = 99;
  auto d = n.resize();
  CHECK(d.cpu_factor == 1.0);
  CHECK_FALSE(d.cpu_rule);
  CHECK(d.cpu_rule_factor == Approx(0.8));
  CHECK(d.capacity_bytes == uint64_t{4} << 20);
  CHECK(d.reason.find("cpu rule off") != std::string::npos);
}

TEST_CASE("with the memory rule off little free memory leaves the capacity", "[sizing]") {
  sized_node n{[](node_config& c) { c.sizing_memory_rule = false; }};
  n.mem->bytes = uint64_t{1} << 30;
  auto d = n.resize();
  CHECK(d.memory_factor == 1.0);
  CHECK(d.memory_rule_factor == 0.25);
  CHECK(d.capacity_bytes == uint64_t{4} << 20);
}

TEST_CASE(
  "with sizing.base-bytes below cache.max-bytes idle CPU grows the cache, never past the cap",
  "[sizing]") {
  sized_node n{[](node_config& c) { c.sizing_base_bytes = 3 << 20; }};
  n.cpu->percent = 10; // x1.2 of 3 MiB = 3.6 MiB, within the 4 MiB cap
  auto d = n.resize();
  CHECK(d.capacity_bytes == static_cast<uint64_t>((3 << 20) * 1.2));
  CHECK(d.base_bytes == uint64_t{3} << 20);
  CHECK(d.max_bytes == uint64_t{4} << 20);
}

TEST_CASE("before the CPU was measured the sizing reason quotes no CPU figure", "[sizing]") {
  sized_node n{[](node_config&) {}, std::make_shared<fake_cpu_unmeasured>()};
  auto d = n.resize();
  CHECK_FALSE(d.cpu_measured);
  CHECK(d.cpu_factor == 1.0);
  CHECK(d.reason.find("cpu not measured yet") != std::string::npos);
  CHECK(d.reason.find("cpu 70%") == std::string::npos);
}

TEST_CASE("shards evict down at once when the supervisor shrinks the cache", "[sizing]") {
  sized_node n;
  auto value = std::string(1000, 'v');
  for (int i = 0; i < 3000; ++i)
    REQUIRE(n.f.put("k" + std::to_string(i), value) == "");
  auto before = n.f.report();
  REQUIRE(total(before, "bytes") > 2.5e6);
  n.mem->bytes = uint64_t{1} << 30; // capacity -> base/4 = 1 MiB
  auto d = n.resize();
  REQUIRE(d.capacity_bytes == uint64_t{1} << 20);
  CHECK(n.f.eventually([&] {
    auto rep = n.f.report();
    return total(rep, "bytes") <= (1 << 20) && total(rep, "capacity_bytes") <= (1 << 20);
  }));
  CHECK(total(n.f.report(), "evictions") > 1000);
}

TEST_CASE("a failed shard is restarted, counted, and serves again without hanging callers",
          "[supervision]") {
  node_fixture f{[](node_config& c) {
    c.cache_shards = 1;
    c.loader_kind = "synthetic";
    c.loader_cost = 300ms;
  }};
  REQUIRE(f.put("kept", "v") == "");
  // A miss is in flight when the shard fails: its caller gets an error now, not a timeout.
  auto start = std::chrono::steady_clock::now();
  caf::scoped_actor caller{f.sys};
  auto front = f.node.front;
  caller->spawn(
    [=](caf::event_based_actor* me, caf::actor reply_to) {
      me->request(front, 10s, get_atom::value, std::string{"in-flight"})
        .then([=](const lookup_result&) { me->send(reply_to, std::string{"value"}); },
              [=](caf::error& e) { me->send(reply_to, describe(e)); });
    },
    caf::actor{caller});
  // Let the miss reach the coalescer, then fail the shard.
  REQUIRE(f.eventually([&] {
    auto rep = f.report();
    for (auto& a : rep.actors)
      if (a.kind == coalescer_stats::kind && stats_of<coalescer_stats>(a).in_flight == 1)
        return true;
    return false;
  }));
  caf::anon_send(f.node.shards[0], fail_atom::value, std::string{"drill"});
  std::string answer;
  caller->receive([&](const std::string& a) { answer = a; },
                  caf::after(5s) >> [&] { answer = "timeout"; });
  CHECK(answer.rfind("unavailable", 0) == 0);
  CHECK(std::chrono::steady_clock::now() - start < 5s);
  // The restarted shard serves: "kept" was only in L1 (no Redis here) so it is gone,
  // new writes and computes work.
  CHECK(f.eventually([&] { return total(f.report(), "restarts") == 1; }));
  CHECK(f.put("after", "ok") == "");
  CHECK(f.get("after") == "ok");
  CHECK(f.get("computed").size() == 100);
}

TEST_CASE("a failed compute actor is restarted with its loader and computes again",
          "[supervision]") {
  node_fixture f{[](node_config& c) {
    c.cache_shards = 1;
    c.loader_kind = "synthetic";
  }};
  REQUIRE(f.get("before").size() == 100);
  // A failure (kill and user_shutdown are deliberate ends, not restarted).
  caf::anon_send_exit(f.node.compute, caf::exit_reason::unhandled_exception);
  REQUIRE(f.eventually([&] { return total(f.report(), "restarts") == 1; }));
  // The restarted compute actor has the loader (it was spawned from the same settings).
  CHECK(f.eventually([&] { return f.get("after").size() == 100; }));
  CHECK(total(f.report(), "computes") >= 2);
}

TEST_CASE("the Prometheus text names every family once and agrees with the report", "[metrics]") {
  node_fixture f;
  REQUIRE(f.put("a", "1") == "");
  CHECK(f.get("a") == "1");
  CHECK(f.get("b") == "<miss>");
  auto rep = f.report();
  auto text = render_prometheus(rep);
  CHECK(text.find("actorcache_lookups_total{node=\"127.0.0.1:0\",result=\"hit\"} 1\n")
        != std::string::npos);
  CHECK(text.find("actorcache_lookups_total{node=\"127.0.0.1:0\",result=\"miss\"} 1\n")
        != std::string::npos);
  CHECK(
    text.find(
      "actorcache_request_duration_seconds_bucket{node=\"127.0.0.1:0\",tier=\"l1\",le=\"+Inf\"} 2")
    != std::string::npos);
  CHECK(text.find("# TYPE actorcache_entries gauge") != std::string::npos);
}

TEST_CASE("the RESP row's per-command counters become one Prometheus family labelled by command",
          "[metrics]") {
  node_report rep;
  rep.id = "n1";
  actor_stats resp;
  resp.name = "resp";
  resp.kind = "resp";
  resp.counters = {
    {"connections", 3}, {"open", 1}, {"dropped", 0}, {"cmd_get", 5}, {"cmd_mget", 7}};
  rep.actors.push_back(resp);
  auto text = render_prometheus(rep);
  CHECK(text.find("actorcache_resp_commands_total{node=\"n1\",command=\"get\"} 5\n")
        != std::string::npos);
  CHECK(text.find("actorcache_resp_commands_total{node=\"n1\",command=\"mget\"} 7\n")
        != std::string::npos);
  CHECK(text.find("actorcache_resp_connections_total{node=\"n1\"} 3\n") != std::string::npos);
  // Without a RESP port (resp.enabled=false) there is no such family.
  rep.actors.clear();
  CHECK(render_prometheus(rep).find("actorcache_resp_") == std::string::npos);
}

TEST_CASE("/metrics is served over HTTP and passes promtool", "[metrics]") {
  node_fixture f;
  REQUIRE(f.put("a", "1") == "");
  CHECK(f.get("a") == "1");
  auto port = test::free_port();
  metrics_http http{f.sys, f.node.metrics};
  std::string why;
  REQUIRE(http.start("127.0.0.1", port, &why));
  httplib::Client client{"127.0.0.1", port};
  client.set_read_timeout(5, 0);
  auto res = client.Get("/metrics");
  REQUIRE(res);
  CHECK(res->status == 200);
  CHECK(res->body.find("actorcache_lookups_total") != std::string::npos);
  REQUIRE(test::executable_exists("promtool")); // Debian's prometheus package (install-deps.sh)
  auto path = std::string{"/tmp/ac-metrics-"} + std::to_string(port) + ".txt";
  {
    std::FILE* out = std::fopen(path.c_str(), "w");
    REQUIRE(out);
    std::fwrite(res->body.data(), 1, res->body.size(), out);
    std::fclose(out);
  }
  auto rc = std::system(("promtool check metrics < " + path + " > /dev/null 2>&1").c_str());
  std::remove(path.c_str());
  CHECK(rc == 0);
  http.stop();
}
