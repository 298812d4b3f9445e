// Tests for latency_histogram: percentiles vs an exact reference, merge, export, edge cases.
#include <catch2/catch.hpp>

#include "core/latency_histogram.hpp"

#include <algorithm>
#include <cmath>
#include <random>

using ac::latency_histogram;

namespace {

uint64_t exact_percentile(std::vector<uint64_t> sorted, double q) {
  auto rank = static_cast<size_t>(std::ceil(q * static_cast<double>(sorted.size())));
  return sorted[std::max<size_t>(rank, 1) - 1];
}

} // namespace

TEST_CASE("an empty histogram reports zero for every statistic") {
  latency_histogram h;
  CHECK(h.count() == 0);
  CHECK(h.sum() == 0);
  CHECK(h.mean() == 0.0);
  CHECK(h.percentile(0.5) == 0);
  CHECK(h.percentile(0.99) == 0);
  CHECK(h.max() == 0);
}

TEST_CASE("every value lies inside the bucket it is counted in") {
  const std::vector<uint64_t> values{
    0, 1, 63, 64, 65, 127, 128, 1000, 123456, 99999999, latency_histogram::max_trackable_us};
  for (uint64_t v : values) {
    auto i = latency_histogram::index_of(v);
    CHECK(latency_histogram::lower_bound_of(i) <= v);
    CHECK(v <= latency_histogram::upper_bound_of(i));
  }
  // Buckets tile the range without gaps.
  for (size_t i = 0; i + 1 < latency_histogram::bucket_count(); ++i)
    REQUIRE(latency_histogram::upper_bound_of(i) + 1 == latency_histogram::lower_bound_of(i + 1));
}

TEST_CASE("percentiles of random latencies are within 2% of the exact ones") {
  std::mt19937_64 rng(42);
  std::lognormal_distribution<double> dist(std::log(800.0), 1.5); // median ~0.8 ms, long tail
  latency_histogram h;
  std::vector<uint64_t> ref;
  uint64_t sum = 0;
  for (int i = 0; i < 200000; ++i) {
    auto v = std::min<uint64_t>(static_cast<uint64_t>(dist(rng)) + 1, 50'000'000);
    h.record(v);
    ref.push_back(v);
    sum += v;
  }
  std::sort(ref.begin(), ref.end());
  for (double q : {0.01, 0.1, 0.5, 0.9, 0.95, 0.99, 0.999}) {
    auto exact = static_cast<double>(exact_percentile(ref, q));
    auto got = static_cast<double>(h.percentile(q));
    INFO("q=" << q << " exact=" << exact << " got=" << got);
    CHECK(std::abs(got - exact) <= exact * 0.02 + 1);
  }
  CHECK(h.count() == ref.size());
  CHECK(h.sum() == sum);
  CHECK(h.max() == ref.back());
  CHECK(h.percentile(1.0) == ref.back());
}

TEST_CASE("small values are reported exactly") {
  latency_histogram h;
  h.record(3, 10);
  h.record(7, 10);
  CHECK(h.percentile(0.5) == 3);
  CHECK(h.percentile(0.51) == 7);
  CHECK(h.mean() == Approx(5.0));
}

TEST_CASE("values beyond the trackable range are clamped but keep exact sum and max") {
  latency_histogram h;
  h.record(500'000'000); // 500 s
  CHECK(h.count() == 1);
  CHECK(h.max() == 500'000'000);
  CHECK(h.sum() == 500'000'000);
  CHECK(h.buckets().back() == 1);
}

TEST_CASE("merging two histograms equals recording everything into one") {
  latency_histogram a, b, all;
  for (uint64_t v = 1; v < 5000; v += 7) {
    (v % 2 ? a : b).record(v);
    all.record(v);
  }
  a.merge(b);
  CHECK(a.buckets() == all.buckets());
  CHECK(a.count() == all.count());
  CHECK(a.sum() == all.sum());
  CHECK(a.max() == all.max());
  CHECK(a.percentile(0.99) == all.percentile(0.99));
}

TEST_CASE("a histogram rebuilt from its buckets answers the same") {
  latency_histogram h;
  for (uint64_t v = 10; v < 100000; v *= 3)
    h.record(v, 5);
  auto copy = latency_histogram::from_buckets(h.buckets(), h.sum(), h.max());
  CHECK(copy.count() == h.count());
  CHECK(copy.percentile(0.5) == h.percentile(0.5));
  CHECK(copy.mean() == h.mean());

  SECTION("a longer bucket vector folds its tail into the last bucket") {
    auto b = h.buckets();
    b.push_back(4);
    auto odd = latency_histogram::from_buckets(b, h.sum(), h.max());
    CHECK(odd.count() == h.count() + 4);
    CHECK(odd.buckets().back() == h.buckets().back() + 4);
  }
}

TEST_CASE("reset empties the histogram") {
  latency_histogram h;
  h.record(100, 3);
  h.reset();
  CHECK(h.count() == 0);
  CHECK(h.max() == 0);
  CHECK(h.percentile(0.5) == 0);
}

TEST_CASE("cumulative counts per Prometheus bound include values at or below it") {
  latency_histogram h;
  h.record(50);        // 50 us
  h.record(900);       // 0.9 ms
  h.record(20'000, 2); // 20 ms
  auto c = h.cumulative({0.0001, 0.001, 0.01, 0.1});
  REQUIRE(c.size() == 4);
  CHECK(c[0] == std::make_pair(0.0001, uint64_t{1}));
  CHECK(c[1].second == 2);
  CHECK(c[2].second == 2);
  CHECK(c[3].second == 4);
}
