// Tests of the deadline queue: overdue requests in send order, answered ones dropped.
#include <catch2/catch.hpp>

#include <set>
#include <vector>

#include "core/deadline_queue.hpp"

using namespace ac;
using namespace std::chrono_literals;

TEST_CASE("only requests past their deadline and still open expire, oldest first", "[deadline]") {
  deadline_queue q;
  ac_clock::time_point t0{};
  std::set<uint64_t> open{1, 2, 3, 4};
  for (uint64_t id = 1; id <= 4; ++id)
    q.push(t0 + std::chrono::seconds(id), id);
  open.erase(2); // answered in time
  std::vector<uint64_t> expired;
  auto is_open = [&](uint64_t id) { return open.count(id) == 1; };
  auto expire = [&](uint64_t id) {
    expired.push_back(id);
    open.erase(id);
  };
  q.expire(t0 + 2500ms, is_open, expire);
  CHECK(expired == std::vector<uint64_t>{1});
  q.expire(t0 + 3s, is_open, expire); // due exactly now
  CHECK(expired == std::vector<uint64_t>{1, 3});
  CHECK(q.size() == 1);
  q.expire(t0 + 10s, is_open, expire);
  CHECK(expired == std::vector<uint64_t>{1, 3, 4});
  CHECK(q.empty());
}

TEST_CASE("answered requests leave the queue from the front as they come up", "[deadline]") {
  deadline_queue q;
  ac_clock::time_point t0{};
  std::set<uint64_t> open;
  for (uint64_t id = 0; id < 1000; ++id) {
    q.push(t0 + 1s, id);
    open.insert(id);
  }
  auto is_open = [&](uint64_t id) { return open.count(id) == 1; };
  for (uint64_t id = 0; id < 1000; ++id) {
    if (id == 500)
      continue; // one slow request holds the queue from its place on
    open.erase(id);
    q.trim(is_open);
  }
  CHECK(q.size() == 500); // 500 .. 999: trimmed up to the open one
  open.erase(500);
  q.trim(is_open);
  CHECK(q.empty());
}
