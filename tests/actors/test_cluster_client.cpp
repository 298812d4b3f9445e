// Tests of the client library's own request deadlines (clients/cpp/cluster_client).
#include <catch2/catch.hpp>

#include <chrono>
#include <memory>

#include <caf/all.hpp>

#include "clients/cpp/cluster_map.hpp"
#include "clients/cpp/one_shot.hpp"
#include "messages/register_types.hpp"

using namespace std::chrono_literals;

namespace {

// An actor that never answers: every request to it stays in its mailbox.
caf::behavior black_hole(caf::event_based_actor* self) {
  self->set_default_handler(caf::skip);
  return {[](caf::tick_atom) {}};
}

struct client_fixture {
  client_fixture() : sys{(ac::register_types(cfg), cfg)} {
    hole = sys.spawn(black_hole);
    ac::node_ref node{"n1", "127.0.0.1:1", caf::actor_cast<ac::front_actor>(hole), ""};
    map = std::make_shared<const ac::cluster_map>(1, 1, std::vector<ac::node_ref>{node},
                                                  std::vector<std::string>{"n1"});
  }
  ~client_fixture() { caf::anon_send_exit(hole, caf::exit_reason::kill); }

  /// What a one-shot request (`start`, 200 ms deadline) to the hole came to, and how long it took.
  template <class T>
  std::pair<caf::expected<T>, std::chrono::steady_clock::duration> timed_one_shot(
    std::function<void(ac::cluster_client&, ac::cluster_client::callback<T>)> start) {
    auto t0 = std::chrono::steady_clock::now();
    auto r = ac::run_one_shot<T>(sys, hole, map, 200ms, std::move(start));
    return {std::move(r), std::chrono::steady_clock::now() - t0};
  }

  caf::actor_system_config cfg;
  caf::actor_system sys;
  caf::actor hole;
  ac::cluster_map_ptr map;
};

} // namespace

TEST_CASE("a get to a node that never answers fails with a timeout once its deadline passed",
          "[actors][client]") {
  client_fixture f;
  // The hole is also the directory, so the refresh before the one retry times out as well.
  auto [r, elapsed] = f.timed_one_shot<ac::lookup_result>(
    [](ac::cluster_client& c, auto done) { c.get("k", std::move(done)); });
  REQUIRE_FALSE(r);
  CHECK(r.error() == caf::sec::request_timeout);
  CHECK(elapsed >= 400ms); // two attempts of 200 ms each
  CHECK(elapsed < 2s);     // never hangs: deadlines, the refresh, one timer tick each
}

TEST_CASE("a get_many to a node that never answers fails with a timeout as well",
          "[actors][client]") {
  client_fixture f;
  auto [r, elapsed] = f.timed_one_shot<ac::lookup_results>([](ac::cluster_client& c, auto done) {
    c.get_many({"a", "b", "c"}, std::move(done));
  });
  REQUIRE_FALSE(r);
  CHECK(r.error() == caf::sec::request_timeout);
  CHECK(elapsed < 2s);
}
