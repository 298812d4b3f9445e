// Tests of the C++ client (the synchronous ac::client and the actor-level cluster_client) against an in-process node published on loopback.
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include <actorcache/client.hpp>
#include <caf/io/middleman.hpp>

#include "clients/cpp/cluster_directory.hpp"
#include "clients/cpp/one_shot.hpp"
#include "messages/errors.hpp"
#include "messages/register_types.hpp"
#include "node/publish.hpp"
#include "tests/support/node_fixture.hpp"

using namespace std::chrono_literals;

namespace {

/// A node with its CAF and RESP ports on free loopback ports, in its own actor system.
struct published_fixture {
  published_fixture()
    : cfg(ac::test::make_config([](ac::node_config& c) {
        c.node_id = "facade";
        c.node_host = "127.0.0.1";
        c.node_port = 0;
      })),
      sys(cfg) {
    auto r = ac::start_published_node(sys, cfg);
    REQUIRE(r);
    node = std::move(*r);
    REQUIRE(node.resp != nullptr);
  }
  ~published_fixture() { node.handles.stop(); }

  std::string seed() const { return "127.0.0.1:" + std::to_string(node.port); }

  ac::node_config cfg;
  caf::actor_system sys;
  ac::published_node node;
};

} // namespace

TEST_CASE("the facade puts, gets, reads many and erases values", "[actors][client][facade]") {
  published_fixture f;
  ac::client cache{{f.seed()}, 5s};
  cache.put("fa:1", "one");
  cache.put("fa:2", std::string("t\0o", 3), 60);
  CHECK(cache.get("fa:1") == std::optional<std::string>{"one"});
  CHECK(cache.get("fa:2") == std::optional<std::string>{std::string("t\0o", 3)});
  CHECK(cache.get("fa:none") == std::nullopt);
  auto many = cache.get_many({"fa:2", "fa:none", "fa:1"});
  REQUIRE(many.size() == 3);
  CHECK(many[0] == std::optional<std::string>{std::string("t\0o", 3)});
  CHECK(many[1] == std::nullopt);
  CHECK(many[2] == std::optional<std::string>{"one"});
  CHECK(cache.erase("fa:1"));
  CHECK_FALSE(cache.erase("fa:1"));
  CHECK(cache.get("fa:1") == std::nullopt);
}

TEST_CASE("concurrent get_or_compute callers of one key run compute once and share its value",
          "[actors][client][facade]") {
  published_fixture f;
  ac::client cache{{f.seed()}, 5s};
  std::atomic<int> computes{0};
  std::vector<std::string> got(6);
  std::vector<std::thread> callers;
  for (size_t i = 0; i < got.size(); ++i)
    callers.emplace_back([&, i] {
      got[i] = cache.get_or_compute("fa:shared", [&] {
        ++computes;
        std::this_thread::sleep_for(200ms); // the others queue behind the lease meanwhile
        return std::string{"value-once"};
      });
    });
  for (auto& t : callers)
    t.join();
  CHECK(computes == 1);
  for (auto& v : got)
    CHECK(v == "value-once");
  // The filled value is an ordinary entry: get reads it, and a later caller computes nothing.
  CHECK(cache.get("fa:shared") == std::optional<std::string>{"value-once"});
  CHECK(cache.get_or_compute("fa:shared", [] { return std::string{"again"}; }) == "value-once");
}

TEST_CASE("a compute that throws gives the lease up and the exception reaches the caller",
          "[actors][client][facade]") {
  published_fixture f;
  ac::client cache{{f.seed()}, 5s};
  CHECK_THROWS_WITH(
    cache.get_or_compute(
      "fa:fails", []() -> std::string { throw std::runtime_error("no data"); }, 0, 20000),
    "no data");
  // Abandoned, not left to run out its 20 s lease: the next caller computes at once.
  auto t0 = std::chrono::steady_clock::now();
  CHECK(cache.get_or_compute(
          "fa:fails", [] { return std::string{"second"}; }, 0, 20000)
        == "second");
  CHECK(std::chrono::steady_clock::now() - t0 < 3s);
}

TEST_CASE("the node's refusals and an unreachable seed throw a client_error naming the reason",
          "[actors][client][facade]") {
  published_fixture f;
  ac::client cache{{f.seed()}, 5s};
  std::string long_key(100000, 'k');
  try {
    cache.get(long_key);
    FAIL("a key of 100000 bytes was accepted by get");
  } catch (const ac::client_error& e) {
    CHECK(e.code() == "key_too_long");
  }
  try {
    cache.get_or_compute(long_key, [] { return std::string{"x"}; });
    FAIL("a key of 100000 bytes was accepted by get_or_compute");
  } catch (const ac::client_error& e) {
    CHECK(e.code() == "key_too_long");
  }
  auto t0 = std::chrono::steady_clock::now();
  try {
    ac::client nowhere{{"127.0.0.1:" + std::to_string(ac::test::free_port())}, 500ms};
    FAIL("a client without a reachable seed was built");
  } catch (const ac::client_error& e) {
    CHECK(e.code() == "unreachable");
  }
  CHECK(std::chrono::steady_clock::now() - t0 < 5s);
}

namespace {

/// A program that is a CAF actor system itself and uses the actor-level client
/// (clients/cpp/cluster_client.hpp) against the published node.
struct actor_program {
  explicit actor_program(const published_fixture& f)
    : sys{(ac::register_types(cfg), cfg.load<caf::io::middleman>(), cfg)} {
    auto found = ac::discover_cluster(sys, {f.seed()}, 5s);
    REQUIRE(found);
    map = *found;
    directory = ac::spawn_directory(sys, map, 5s);
  }
  ~actor_program() { caf::anon_send_exit(directory, caf::exit_reason::user_shutdown); }

  /// get_or_compute from a cluster_client in an actor of its own, from main.
  caf::expected<std::string> get_or_compute(const std::string& key,
                                            std::function<std::string()> compute,
                                            uint32_t lease_ms = 5000) {
    return ac::run_one_shot<std::string>(
      sys, directory, map, 5s + std::chrono::milliseconds(3 * lease_ms),
      [key, compute, lease_ms](ac::cluster_client& c, auto done) {
        c.get_or_compute(key, compute, 0, lease_ms, std::move(done));
      });
  }

  caf::actor_system_config cfg;
  caf::actor_system sys;
  ac::cluster_map_ptr map;
  caf::actor directory;
};

} // namespace

TEST_CASE("concurrent get_or_compute calls of client actors run compute once and share its value",
          "[actors][client][leases]") {
  published_fixture f;
  actor_program program{f};
  std::atomic<int> computes{0};
  std::vector<caf::expected<std::string>> got(6, caf::expected<std::string>{""});
  std::vector<std::thread> callers;
  for (size_t i = 0; i < got.size(); ++i)
    callers.emplace_back([&, i] {
      got[i] = program.get_or_compute("ca:shared", [&] {
        ++computes;
        std::this_thread::sleep_for(200ms); // the others wait in the lease's line meanwhile
        return std::string{"actor-once"};
      });
    });
  for (auto& t : callers)
    t.join();
  CHECK(computes == 1);
  for (auto& v : got) {
    REQUIRE(v);
    CHECK(*v == "actor-once");
  }
  // Filled as an ordinary entry: the synchronous client reads it, a later caller computes nothing.
  ac::client cache{{f.seed()}, 5s};
  CHECK(cache.get("ca:shared") == std::optional<std::string>{"actor-once"});
  auto again = program.get_or_compute("ca:shared", [] { return std::string{"again"}; });
  REQUIRE(again);
  CHECK(*again == "actor-once");
  CHECK(computes == 1);
}

TEST_CASE("a client actor whose compute throws gets compute_failed and the next caller computes",
          "[actors][client][leases]") {
  published_fixture f;
  actor_program program{f};
  auto failed = program.get_or_compute(
    "ca:fails", []() -> std::string { throw std::runtime_error("no data"); }, 20000);
  REQUIRE_FALSE(failed);
  CHECK(failed.error() == ac::make_error(ac::errc::compute_failed));
  // Abandoned, not left to run out its 20 s lease: the next caller computes at once.
  auto t0 = std::chrono::steady_clock::now();
  auto second = program.get_or_compute(
    "ca:fails", [] { return std::string{"second"}; }, 20000);
  REQUIRE(second);
  CHECK(*second == "second");
  CHECK(std::chrono::steady_clock::now() - t0 < 3s);
}
