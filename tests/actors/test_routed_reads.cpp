// In-process tests of get_many routed by the caller (actors/routed_reads.hpp): answers in key order, the front never asked.
#include <catch2/catch.hpp>

#include <future>
#include <memory>
#include <mutex>

#include "actors/routed_reads.hpp"
#include "tests/support/node_fixture.hpp"

using namespace ac;
using ac::test::node_fixture;

namespace {

/// Messages the front handled so far (its row in the node's report).
int64_t front_handled(node_fixture& f) {
  for (auto& a : f.report().actors)
    if (a.kind == "front")
      return static_cast<int64_t>(a.handled);
  return -1;
}

/// `calls` routed get_many of `keys`, asked at once by one actor of the node's process; their
/// answers in the order they came (each an error or the values).
std::vector<caf::expected<lookup_results>> routed_asks(node_fixture& f,
                                                       const std::vector<std::string>& keys,
                                                       std::vector<size_t> positions,
                                                       lookup_results prefilled, size_t calls) {
  struct collected {
    std::mutex mtx;
    std::vector<caf::expected<lookup_results>> all;
    std::promise<void> done;
  };
  auto got = std::make_shared<collected>();
  auto finished = got->done.get_future();
  auto routes = f.node.routes;
  f.sys.spawn([=](caf::event_based_actor* self) {
    for (size_t i = 0; i < calls; ++i)
      routed_get_many(
        self, *routes->get(), keys, positions, prefilled,
        routed_timeouts{caf::infinite, caf::duration{std::chrono::seconds(5)}},
        [](const std::string&, uint64_t) {},
        [got, calls](caf::expected<lookup_results> r) {
          std::lock_guard<std::mutex> guard{got->mtx};
          got->all.push_back(std::move(r));
          if (got->all.size() == calls)
            got->done.set_value();
        });
  });
  REQUIRE(finished.wait_for(std::chrono::seconds(10)) == std::future_status::ready);
  std::lock_guard<std::mutex> guard{got->mtx};
  return std::move(got->all);
}

} // namespace

TEST_CASE("a get_many routed by the caller answers in key order across shards without the front",
          "[node]") {
  node_fixture f{[](node_config& c) { c.cache_shards = 4; }};
  std::vector<std::string> keys;
  std::vector<size_t> positions;
  for (int i = 0; i < 40; ++i) {
    keys.push_back("k" + std::to_string(i));
    positions.push_back(static_cast<size_t>(i));
    if (i % 4 != 3)
      REQUIRE(f.put(keys.back(), "v" + std::to_string(i)) == "");
  }
  auto before = front_handled(f);
  REQUIRE(before > 0);
  auto answers = routed_asks(f, keys, positions, lookup_results(keys.size()), 50);
  REQUIRE(answers.size() == 50);
  for (auto& a : answers) {
    REQUIRE(a);
    REQUIRE(a->size() == keys.size());
    for (int i = 0; i < 40; ++i) {
      INFO("key " << i);
      if (i % 4 == 3)
        CHECK_FALSE((*a)[i].found);
      else
        CHECK(node_fixture::value_of((*a)[i]) == "v" + std::to_string(i));
    }
  }
  // 50 requests of 40 keys on 4 shards went past the front: it handled the report asks only.
  CHECK(front_handled(f) - before < 5);
}

TEST_CASE("a routed get_many puts each answer at its position and keeps the answers given before",
          "[node]") {
  node_fixture f{[](node_config& c) { c.cache_shards = 2; }};
  REQUIRE(f.put("a", "va") == "");
  REQUIRE(f.put("c", "vc") == "");
  // Positions 1 and 3 were answered before (a hit found elsewhere); 0, 2 and 4 are asked.
  lookup_results given(5);
  given[1].found = true;
  given[1].value = node_fixture::entry_of("given-1");
  given[3].found = true;
  given[3].value = node_fixture::entry_of("given-3");
  auto answers = routed_asks(f, {"c", "missing", "a"}, {0, 2, 4}, given, 1);
  REQUIRE(answers.size() == 1);
  REQUIRE(answers[0]);
  auto& r = *answers[0];
  REQUIRE(r.size() == 5);
  CHECK(node_fixture::value_of(r[0]) == "vc");
  CHECK(node_fixture::value_of(r[1]) == "given-1");
  CHECK_FALSE(r[2].found);
  CHECK(node_fixture::value_of(r[3]) == "given-3");
  CHECK(node_fixture::value_of(r[4]) == "va");
}

TEST_CASE("a routed get_many of no keys answers at once with what it was given", "[node]") {
  node_fixture f;
  auto answers = routed_asks(f, {}, {}, lookup_results(2), 1);
  REQUIRE(answers.size() == 1);
  REQUIRE(answers[0]);
  CHECK(answers[0]->size() == 2);
}

TEST_CASE("a route reader keeps its snapshot until the view publishes another", "[node]") {
  auto view = std::make_shared<route_view>();
  route_reader reader{view};
  const route_snapshot* first = &reader.current();
  CHECK(first->epoch == 0);
  CHECK(&reader.current() == first); // nothing published: the same snapshot
  auto next = std::make_shared<route_snapshot>();
  next->epoch = 7;
  view->set(next);
  CHECK(&reader.current() == next.get());
  CHECK(reader.current().epoch == 7);
  // Another reader of the same view starts from what is published now.
  route_reader late{view};
  CHECK(late.current().epoch == 7);
}
