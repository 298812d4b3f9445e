// Tests for the recent window over lifetime counters (rates and advice of the last minute).
#include <catch2/catch.hpp>

#include "core/recent_window.hpp"

using namespace ac;

namespace {

counters_at at(uint64_t ms, double hits, std::vector<uint64_t> buckets = {}, uint64_t sum = 0) {
  counters_at c;
  c.time_ms = ms;
  c.values["hits"] = hits;
  c.latency_buckets = std::move(buckets);
  c.latency_sum_us = sum;
  return c;
}

} // namespace

TEST_CASE("a node younger than the window reports its whole life") {
  recent_window w(60000);
  w.push(at(0, 0));
  w.push(at(1000, 50));
  auto d = w.since_base(at(2000, 80));
  CHECK(d.values["hits"] == 80);
  CHECK(d.time_ms == 2000);
}

TEST_CASE("an older node reports only what happened within the window") {
  recent_window w(60000);
  for (uint64_t t = 0; t <= 200; ++t)
    w.push(at(t * 1000, static_cast<double>(t * 10))); // 10 hits a second
  auto d = w.since_base(at(200500, 2005));
  CHECK(d.time_ms == 60500);
  CHECK(d.values["hits"] == Approx(605));
  CHECK(w.size() <= 62); // bounded: one base and the ticks after it
}

TEST_CASE("the window's latency buckets are the difference of two snapshots") {
  recent_window w(1000);
  w.push(at(0, 0, {5, 5, 0}, 100));
  w.push(at(1000, 10, {5, 5, 0}, 100));
  auto d = w.since_base(at(2000, 20, {5, 7, 3}, 400));
  CHECK(d.latency_buckets == std::vector<uint64_t>{0, 2, 3});
  CHECK(d.latency_sum_us == 300);
}

TEST_CASE("a counter that went down counts from zero again, never negative") {
  recent_window w(60000);
  w.push(at(0, 500, {9}, 900));
  auto d = w.since_base(at(1000, 20, {2}, 40)); // a shard restarted
  CHECK(d.values["hits"] == 20);
  CHECK(d.latency_buckets == std::vector<uint64_t>{2});
  CHECK(d.latency_sum_us == 40);
}
