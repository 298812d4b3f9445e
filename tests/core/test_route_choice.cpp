// Route choice: owner, runner-up when avoiding the owner, and when a key must go direct.
#include <catch2/catch.hpp>

#include <map>

#include <xxhash.h>

#include "core/route_choice.hpp"

using ac::choose_route;
using ac::rendezvous_ring;

namespace {

// A ring whose members rank the same for every key: `ranked` lists them best first, so each
// test names its owner and runner-up instead of searching for a key that happens to fit.
rendezvous_ring ranked_ring(const std::vector<std::string>& ranked) {
  std::map<uint64_t, uint64_t> weight_of;
  for (size_t i = 0; i < ranked.size(); ++i)
    weight_of[XXH3_64bits(ranked[i].data(), ranked[i].size())] = ranked.size() - i;
  rendezvous_ring ring{[weight_of](uint64_t member, uint64_t) { return weight_of.at(member); }};
  ring.set_members(ranked);
  return ring;
}

constexpr uint64_t key = 42;

/// The choice names `member` and goes direct or not.
void expect_route(const ac::route_choice& c, const char* member, bool direct) {
  REQUIRE(c.member != nullptr);
  CHECK(*c.member == member);
  CHECK(c.direct == direct);
}

} // namespace

TEST_CASE("A key goes to its owner", "[route]") {
  auto ring = ranked_ring({"b", "a", "c"});
  auto c = choose_route(ring, ranked_ring({"b", "a", "c"}), key);
  expect_route(c, "b", false);
}

TEST_CASE("Avoiding the owner picks the second owner and goes direct", "[route]") {
  auto ring = ranked_ring({"b", "a", "c"});
  auto c = choose_route(ring, ranked_ring({"b", "a", "c"}), key, "b");
  expect_route(c, "a", true);
}

TEST_CASE("Avoiding a member that does not own the key changes nothing", "[route]") {
  auto ring = ranked_ring({"b", "a", "c"});
  auto c = choose_route(ring, ranked_ring({"b", "a", "c"}), key, "a");
  expect_route(c, "b", false);
}

TEST_CASE("With a single member, avoiding it still picks it", "[route]") {
  auto ring = ranked_ring({"a"});
  auto c = choose_route(ring, ranked_ring({"a"}), key, "a");
  expect_route(c, "a", false);
}

TEST_CASE("A key goes direct when the cluster believes another member owns it", "[route]") {
  // The client cannot reach "b"; the nodes still think it alive and would forward to it.
  auto reachable = ranked_ring({"a", "c"});
  auto c = choose_route(reachable, ranked_ring({"b", "a", "c"}), key);
  expect_route(c, "a", true);
}

TEST_CASE("A key is not direct when the cluster names the same owner", "[route]") {
  auto reachable = ranked_ring({"a", "c"});
  auto c = choose_route(reachable, ranked_ring({"a", "b", "c"}), key);
  expect_route(c, "a", false);
}

TEST_CASE("A key is not direct when the cluster reported no members", "[route]") {
  auto reachable = ranked_ring({"a", "c"});
  auto c = choose_route(reachable, rendezvous_ring{}, key);
  expect_route(c, "a", false);
}

TEST_CASE("The chosen member points into the reachable ring's members", "[route]") {
  auto ring = ranked_ring({"b", "a", "c"});
  auto owner = choose_route(ring, rendezvous_ring{}, key);
  auto second = choose_route(ring, rendezvous_ring{}, key, "b");
  const auto& ids = ring.members();
  CHECK(owner.member >= ids.data());
  CHECK(owner.member < ids.data() + ids.size());
  CHECK(second.member >= ids.data());
  CHECK(second.member < ids.data() + ids.size());
}

TEST_CASE("An empty cluster has no route", "[route]") {
  auto c = choose_route(rendezvous_ring{}, ranked_ring({"a"}), key, "a");
  CHECK(c.member == nullptr);
  CHECK_FALSE(c.direct);
}

TEST_CASE("The default ring's owner and runner-up are what it ranks first and second", "[route]") {
  rendezvous_ring ring;
  ring.set_members({"n1", "n2", "n3"});
  for (uint64_t h = 0; h < 200; ++h) {
    auto top = ring.owners_of(h, 2);
    auto c = choose_route(ring, ring, h);
    REQUIRE(*c.member == top[0]);
    CHECK_FALSE(c.direct);
    auto avoided = choose_route(ring, ring, h, top[0]);
    REQUIRE(*avoided.member == top[1]);
    CHECK(avoided.direct);
  }
}
