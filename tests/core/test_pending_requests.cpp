// Requests without a CAF timeout: the overdue ones are failed once, the answered ones never.
#include <catch2/catch.hpp>

#include <string>
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
