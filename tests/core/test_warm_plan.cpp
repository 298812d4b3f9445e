// Tests for the warming planner: merging hot lists, keeping owned keys, pacing the loads.
#include <catch2/catch.hpp>

#include "core/warm_plan.hpp"

using namespace ac;

namespace {
bool any(std::string_view) { return true; }
} // namespace

TEST_CASE("a warming plan ranks the keys of every list by their highest count") {
  warm_plan p;
  p.add({"a", "b", "c"}, {5, 50, 7});
  p.add({"a", "d"}, {90, 1});
  CHECK(p.size() == 4);
  CHECK(p.keys(any, 10) == std::vector<std::string>{"a", "b", "c", "d"});
}

TEST_CASE("a warming plan keeps only the keys this node owns, at most the bound") {
  warm_plan p;
  p.add({"mine1", "theirs1", "mine2", "theirs2", "mine3"}, {10, 99, 8, 98, 6});
  auto owns = [](std::string_view k) { return k.rfind("mine", 0) == 0; };
  CHECK(p.keys(owns, 2) == std::vector<std::string>{"mine1", "mine2"});
  CHECK(p.keys(owns, 0).empty());
  CHECK(p.keys([](std::string_view) { return false; }, 10).empty());
}

TEST_CASE("keys of equal heat come in key order so a run is reproducible") {
  warm_plan p;
  p.add({"z", "m", "a"}, {3, 3, 3});
  CHECK(p.keys(any, 3) == std::vector<std::string>{"a", "m", "z"});
}

TEST_CASE("a list without counts counts each key once") {
  warm_plan p;
  p.add({"x", "y"}, {});
  p.add({"y"}, {2});
  CHECK(p.keys(any, 5) == std::vector<std::string>{"y", "x"});
}

TEST_CASE("the warming budget never exceeds the free slots or the keys left") {
  CHECK(warm_budget(0, 64, 0, 0.0, 0, 1000) == 64);
  CHECK(warm_budget(60, 64, 0, 0.0, 0, 1000) == 4);
  CHECK(warm_budget(64, 64, 0, 0.0, 0, 1000) == 0);
  CHECK(warm_budget(0, 64, 0, 0.0, 0, 10) == 10);
  CHECK(warm_budget(0, 64, 0, 0.0, 0, 0) == 0);
}

TEST_CASE("the warming budget keeps to the rate after the first second's worth") {
  // 100 keys/s: a burst of 100 at the start, then 100 more per second.
  CHECK(warm_budget(0, 1000, 0, 0.0, 100, 10000) == 100);
  CHECK(warm_budget(0, 1000, 100, 0.5, 100, 10000) == 50);
  CHECK(warm_budget(0, 1000, 150, 0.5, 100, 10000) == 0);
  CHECK(warm_budget(0, 1000, 150, 2.0, 100, 10000) == 150);
}
