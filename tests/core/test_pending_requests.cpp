// Requests without a CAF timeout: the overdue ones are failed once, the answered ones never.
#include <catch2/catch.hpp>

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/pending_requests.hpp"

using namespace ac;
using namespace std::chrono_literals;

TEST_CASE("Only requests still open when their deadline passes are failed, oldest first",
          "[pending_requests]") {
  pending_requests<std::string> p;
  ac_clock::time_point t0{};
  auto a = p.open(t0 + 1s, "a");
  auto b = p.open(t0 + 2s, "b");
  p.open(t0 + 3s, "c");
  CHECK(p.settle(b)); // answered in time
  std::vector<std::string> failed;
  auto run = [&](const std::string& what) { failed.push_back(what); };
  p.expire(t0 + 2500ms, run);
  CHECK(failed == std::vector<std::string>{"a"});
  p.expire(t0 + 3s, run); // due exactly now
  CHECK(failed == std::vector<std::string>{"a", "c"});
  CHECK(p.size() == 0);
  // The late answer of a failed request finds nothing to do.
  CHECK_FALSE(p.settle(a));
  CHECK_FALSE(p.settle(b));
}

TEST_CASE("Answered requests leave no deadline behind", "[pending_requests]") {
  pending_requests<int> p;
  ac_clock::time_point t0{};
  for (int i = 0; i < 1000; ++i)
    CHECK(p.settle(p.open(t0 + 1s, i)));
  CHECK(p.size() == 0);
  int failed = 0;
  p.expire(t0 + 1h, [&](int) { ++failed; });
  CHECK(failed == 0);
}

TEST_CASE("A request failed by its answer hands back what it kept once, and never comes due",
          "[pending_requests]") {
  pending_requests<std::string> p;
  ac_clock::time_point t0{};
  auto a = p.open(t0 + 1s, "a");
  CHECK(p.take(a) == std::optional<std::string>{"a"});
  CHECK(p.take(a) == std::nullopt); // a second error, or the late answer, finds nothing
  CHECK_FALSE(p.settle(a));
  int due = 0;
  p.expire(t0 + 1h, [&](const std::string&) { ++due; });
  CHECK(due == 0);
}

TEST_CASE(
  "The requests sent to a node that went down are taken together, oldest first, and "
  "no other node's",
  "[pending_requests]") {
  pending_requests<std::pair<std::string, int>> p; // (node, request)
  ac_clock::time_point t0{};
  for (int i = 0; i < 6; ++i)
    p.open(t0 + 1s, {i % 2 == 0 ? "node-a" : "node-b", i});
  auto down = p.take_if([](const auto& r) { return r.first == "node-a"; });
  std::vector<int> taken;
  for (const auto& r : down)
    taken.push_back(r.second);
  CHECK(taken == std::vector<int>{0, 2, 4});
  CHECK(p.size() == 3);
  CHECK(p.take_if([](const auto& r) { return r.first == "node-a"; }).empty());
  std::vector<int> overdue;
  p.expire(t0 + 1s, [&](const auto& r) { overdue.push_back(r.second); });
  CHECK(overdue == std::vector<int>{1, 3, 5}); // node-b's still came due, and only they
  CHECK(p.empty());
}
