// In-process tests of the coalescer's hand-over to L1: a value whose fill the shard has not taken yet answers the loads the shard passed on before it.
//
// The race (seen once in CI as a key computed twice, 4 ms apart, on one node): a flight ends,
// its fill is on its way to the shard, and a load the shard passed on before the fill reached
// it arrives at the coalescer after the flight is gone. A stand-in shard holds the fill's
// answer back, which opens that window on purpose.
#include <catch2/catch.hpp>

#include <atomic>
#include <memory>
#include <vector>

#include "actors/coalescer.hpp"
#include "tests/support/node_fixture.hpp"

using namespace ac;
using namespace std::chrono_literals;

namespace {

using release_atom = caf::atom_constant<caf::atom("release")>;

/// A shard that takes fills but answers them only when told (release_atom).
caf::behavior slow_shard(caf::event_based_actor* self, std::shared_ptr<std::atomic<int>> fills) {
  auto held = std::make_shared<std::vector<caf::response_promise>>();
  return {
    [=](fill_atom, const std::string&, const std::string&, uint32_t, uint64_t) {
      ++*fills;
      held->push_back(self->make_response_promise());
    },
    [=](release_atom) {
      for (auto& rp : *held)
        rp.deliver(true);
      held->clear();
    },
  };
}

/// A loader that answers every key at once and counts its computes.
caf::behavior counting_loader(caf::event_based_actor*, std::shared_ptr<std::atomic<int>> computes) {
  return {
    [=](compute_atom, const std::string& key) {
      ++*computes;
      return make_hit(test::node_fixture::entry_of("value of " + key), tier::compute);
    },
  };
}

lookup_result load(caf::scoped_actor& self, const coalescer_actor& c, const std::string& key) {
  lookup_result out;
  self->request(c, 5s, load_atom::value, key, uint64_t{0})
    .receive([&](lookup_result& r) { out = std::move(r); },
             [&](caf::error& err) { FAIL("load: " << caf::to_string(err)); });
  return out;
}

/// A coalescer between a counting loader and a shard that holds fills back. The destructor
/// stops all three: a failed REQUIRE must not leave the system waiting for them (the held
/// fill and the coalescer keep each other alive).
struct settling_fixture {
  node_config cfg = test::make_config([](node_config&) {});
  caf::actor_system sys{cfg};
  caf::scoped_actor self{sys};
  std::shared_ptr<std::atomic<int>> fills = std::make_shared<std::atomic<int>>(0);
  std::shared_ptr<std::atomic<int>> computes = std::make_shared<std::atomic<int>>(0);
  caf::actor shard = sys.spawn(slow_shard, fills);
  caf::actor loader = sys.spawn(counting_loader, computes);
  coalescer_actor c;

  explicit settling_fixture(std::chrono::milliseconds load_timeout) {
    coalescer_config cc;
    cc.shard = caf::actor_cast<shard_actor>(shard);
    cc.compute = caf::actor_cast<compute_actor>(loader);
    cc.load_timeout = load_timeout;
    c = sys.spawn(coalescer, cc);
  }
  ~settling_fixture() {
    self->send_exit(c, caf::exit_reason::kill);
    self->send_exit(shard, caf::exit_reason::kill);
    self->send_exit(loader, caf::exit_reason::kill);
  }
};

} // namespace

TEST_CASE(
  "a load that reaches the coalescer after its key's flight ended, before the shard took the fill, "
  "gets the value without a second compute") {
  settling_fixture f{5s};
  auto& self = f.self;
  auto& c = f.c;
  auto first = load(self, c, "k");
  REQUIRE(first.found);
  REQUIRE(f.computes->load() == 1);
  // The fill is on its way to the shard, which holds its answer back.
  REQUIRE(test::wait_until([&] { return f.fills->load() == 1; }, 5s));

  // The load the shard passed on before it took the fill: the value, not a second compute.
  auto second = load(self, c, "k");
  REQUIRE(second.found);
  CHECK(second.value == first.value);
  CHECK(f.computes->load() == 1);
  CHECK(test::stats_counter(self, c, "settled") == 1);
  CHECK(test::stats_counter(self, c, "settling") == 1);

  // Once the shard answers the fill, L1 has the value and the coalescer lets it go: a load that
  // still reaches it (L1 evicted the key meanwhile) starts a flight again.
  self->send(f.shard, release_atom::value);
  REQUIRE(test::wait_until([&] { return test::stats_counter(self, c, "settling") == 0; }, 5s));
  auto third = load(self, c, "k");
  REQUIRE(third.found);
  CHECK(f.computes->load() == 2);
}

TEST_CASE("the coalescer lets a settling value go when its shard fails the fill") {
  settling_fixture f{1s}; // a fill left unanswered fails at the load timeout
  REQUIRE(load(f.self, f.c, "k").found);
  REQUIRE(test::stats_counter(f.self, f.c, "settling") == 1);
  // The shard dies with the fill unanswered: the fill's request fails (at the latest at the
  // load timeout) and the value goes.
  f.self->send_exit(f.shard, caf::exit_reason::kill);
  REQUIRE(test::wait_until([&] { return test::stats_counter(f.self, f.c, "settling") == 0; }, 5s));
  CHECK(f.computes->load() == 1);
}
