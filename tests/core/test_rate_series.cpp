// rate_series: per-interval rates and percentiles from lifetime counters.
#include <catch2/catch.hpp>

#include "core/latency_histogram.hpp"
#include "core/rate_series.hpp"

using namespace ac;

namespace {

counter_snapshot snap(uint64_t t, uint64_t hits, uint64_t misses, uint64_t computes,
                      const latency_histogram& lat = {}) {
  return {t, hits, misses, computes, lat.buckets()};
}

} // namespace

TEST_CASE("The first snapshot gives no point, the second gives the rates between them",
          "[rate_series]") {
  rate_series s;
  s.push(snap(1000, 100, 10, 5));
  CHECK(s.points().empty());
  s.push(snap(3000, 300, 30, 9));
  REQUIRE(s.points().size() == 1);
  auto p = s.points().back();
  CHECK(p.time_ms == 3000);
  CHECK(p.hits_per_s == Approx(100));
  CHECK(p.misses_per_s == Approx(10));
  CHECK(p.computes_per_s == Approx(2));
}

TEST_CASE("Percentiles describe the lookups of the interval, not the node's whole life",
          "[rate_series]") {
  latency_histogram lat;
  lat.record(10, 1000); // a fast past
  rate_series s;
  s.push(snap(0, 1000, 0, 0, lat));
  lat.record(5000, 100); // a slow last interval
  s.push(snap(1000, 1100, 0, 0, lat));
  REQUIRE(s.points().size() == 1);
  CHECK(s.points().back().p50_us == Approx(5000).epsilon(0.05));
  CHECK(s.points().back().p99_us == Approx(5000).epsilon(0.05));
}

TEST_CASE("An interval without lookups has zero percentiles", "[rate_series]") {
  rate_series s;
  s.push(snap(0, 0, 0, 0));
  s.push(snap(1000, 0, 0, 0));
  CHECK(s.points().back().p50_us == 0);
  CHECK(s.points().back().p99_us == 0);
}

TEST_CASE("A counter that restarted from zero counts from zero instead of going negative",
          "[rate_series]") {
  rate_series s;
  s.push(snap(0, 5000, 0, 0));
  s.push(snap(1000, 40, 0, 0));
  CHECK(s.points().back().hits_per_s == Approx(40));
}

TEST_CASE("Only the last limit points are kept, and a snapshot not later than the last adds none",
          "[rate_series]") {
  rate_series s{3};
  for (uint64_t t = 0; t <= 5000; t += 1000)
    s.push(snap(t, t, 0, 0));
  REQUIRE(s.points().size() == 3);
  CHECK(s.points().front().time_ms == 3000);
  s.push(snap(5000, 99999, 0, 0));
  CHECK(s.points().size() == 3);
  CHECK(s.points().back().time_ms == 5000);
}
