// Tests for rendezvous hashing: balance, minimal movement, order independence, fallbacks.
#include <catch2/catch.hpp>

#include "core/key_normalization.hpp"
#include "core/rendezvous_ring.hpp"

using namespace ac;

TEST_CASE("an empty ring has no owner") {
  rendezvous_ring r;
  CHECK(r.owner_of(123) == nullptr);
  CHECK(r.owners_of(123, 3).empty());
  CHECK(r.share_of("a") == 0);
}

TEST_CASE("three members each own a third of the keys, within 5 points") {
  rendezvous_ring r;
  r.set_members({"127.0.0.1:7101", "127.0.0.1:7102", "127.0.0.1:7103"});
  double total = 0;
  for (auto& id : r.members()) {
    double s = r.share_of(id);
    CHECK(s == Approx(1.0 / 3).margin(0.05));
    total += s;
  }
  CHECK(total == Approx(1.0));
}

TEST_CASE("the owner does not depend on the order members were given in") {
  rendezvous_ring a, b;
  a.set_members({"n1", "n2", "n3", "n4"});
  b.set_members({"n4", "n2", "n1", "n3", "n2"});
  CHECK(a.members() == b.members());
  for (int i = 0; i < 10000; ++i) {
    auto h = key_hash("k" + std::to_string(i));
    REQUIRE(*a.owner_of(h) == *b.owner_of(h));
  }
}

TEST_CASE("removing a member moves only its keys") {
  rendezvous_ring before, after;
  before.set_members({"a", "b", "c"});
  after.set_members({"a", "c"});
  int moved = 0;
  for (int i = 0; i < 20000; ++i) {
    auto h = key_hash("k" + std::to_string(i));
    const std::string& was = *before.owner_of(h);
    const std::string& now = *after.owner_of(h);
    if (was != "b")
      REQUIRE(now == was);
    else {
      ++moved;
      // The key goes to the member that was its runner-up.
      REQUIRE(now == before.owners_of(h, 2)[1]);
    }
  }
  CHECK(moved > 5000);
}

TEST_CASE("owners_of lists distinct members, owner first, capped at the member count") {
  rendezvous_ring r;
  r.set_members({"a", "b", "c"});
  auto h = key_hash("some key");
  auto owners = r.owners_of(h, 5);
  REQUIRE(owners.size() == 3);
  CHECK(owners[0] == *r.owner_of(h));
  CHECK(owners[0] != owners[1]);
  CHECK(owners[1] != owners[2]);
  CHECK(owners[0] != owners[2]);
}

TEST_CASE("equal weights are broken by id so every node agrees") {
  rendezvous_ring r([](uint64_t, uint64_t) { return uint64_t{7}; });
  r.set_members({"z", "m", "b"});
  CHECK(*r.owner_of(1) == "b");
  CHECK(r.owners_of(1, 3) == std::vector<std::string>{"b", "m", "z"});
}
