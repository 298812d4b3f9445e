// Waits on other nodes' actors: each ends once, by its answer or by its target going down.
#include <catch2/catch.hpp>

#include <algorithm>
#include <string>
#include <vector>

#include "core/watch_list.hpp"

using namespace ac;

TEST_CASE(
  "The first wait on a target asks for a monitor; later ones do not, even after all "
  "were answered",
  "[watch_list]") {
  watch_list<std::string, int> w;
  auto a = w.add("peer-1", 1);
  CHECK(a.monitor);
  auto b = w.add("peer-1", 2);
  CHECK_FALSE(b.monitor);
  CHECK(w.add("peer-2", 3).monitor);
  CHECK(w.settle("peer-1", a.id) == std::optional<int>{1});
  CHECK(w.settle("peer-1", b.id) == std::optional<int>{2});
  // Still monitored from before: one monitor per target, not one per burst of waits.
  CHECK_FALSE(w.add("peer-1", 4).monitor);
  CHECK(w.targets() == 2);
  CHECK(w.waits() == 2);
  std::vector<std::string> seen;
  w.for_each_target([&](const std::string& t) { seen.push_back(t); });
  std::sort(seen.begin(), seen.end());
  CHECK(seen == std::vector<std::string>{"peer-1", "peer-2"});
}

TEST_CASE("A target going down ends its waits, oldest first, and no other target's",
          "[watch_list]") {
  watch_list<std::string, int> w;
  w.add("peer-1", 1);
  auto other = w.add("peer-2", 2);
  w.add("peer-1", 3);
  CHECK(w.take("peer-1") == std::vector<int>{1, 3});
  CHECK(w.waits() == 1);
  CHECK(w.take("peer-1").empty()); // a second down message finds nothing
  CHECK(w.settle("peer-2", other.id) == std::optional<int>{2});
  // Watched afresh: a new actor at the same address would be monitored again.
  CHECK(w.add("peer-1", 5).monitor);
}

TEST_CASE(
  "A wait ends exactly once: an answer after the down, or a down after the answer, "
  "finds nothing",
  "[watch_list]") {
  watch_list<std::string, int> w;
  auto late = w.add("peer-1", 1);
  auto early = w.add("peer-1", 2);
  CHECK(w.settle("peer-1", early.id) == std::optional<int>{2});
  CHECK(w.take("peer-1") == std::vector<int>{1});
  CHECK(w.settle("peer-1", late.id) == std::nullopt);
  CHECK(w.settle("peer-1", early.id) == std::nullopt);
  CHECK(w.settle("nobody", 77) == std::nullopt);
  CHECK(w.waits() == 0);
  CHECK(w.targets() == 0);
}

TEST_CASE("A sweep ends the waits on the targets it finds gone, and leaves the others watched",
          "[watch_list]") {
  watch_list<std::string, int> w;
  w.add("frozen", 1);
  auto alive = w.add("alive", 2);
  w.add("frozen", 3);
  auto swept = w.take_if([](const std::string& t) { return t == "frozen"; });
  std::sort(swept.begin(), swept.end());
  CHECK(swept == std::vector<int>{1, 3});
  CHECK(w.targets() == 1);
  CHECK(w.take_if([](const std::string&) { return false; }).empty());
  CHECK(w.settle("alive", alive.id) == std::optional<int>{2});
  // The frozen node's late answer, or its down message, finds nothing.
  CHECK(w.take("frozen").empty());
}
