// Tests for the recommendation rules and the usage-history ring.
#include <catch2/catch.hpp>

#include "core/recommendations.hpp"

using namespace ac;

namespace {

bool any_contains(const std::vector<std::string>& xs, const std::string& needle) {
  for (auto& x : xs)
    if (x.find(needle) != std::string::npos)
      return true;
  return false;
}

health_sample healthy() {
  health_sample s;
  s.hit_rate = 0.95;
  s.avg_latency_ms = 1;
  s.usage_ratio = 0.5;
  s.lookups = 10000;
  return s;
}

// One sample moved away from healthy() and the advice it must bring: exactly `count`
// sentences, among them every text of `says` and none of `omits`.
struct advice_case {
  const char* what;
  void (*change)(health_sample&);
  size_t count;
  std::vector<std::string> says;
  std::vector<std::string> omits = {};
};

void check_advice(const advice_case& c) {
  auto s = healthy();
  c.change(s);
  auto r = recommend(s);
  REQUIRE(r.size() == c.count);
  for (auto& text : c.says)
    CHECK(any_contains(r, text));
  for (auto& text : c.omits)
    CHECK_FALSE(any_contains(r, text));
}

} // namespace

TEST_CASE("a healthy cache gets no recommendations") { CHECK(recommend(healthy()).empty()); }

// Long on purpose: one table, a case per measure and threshold, read side by side.
TEST_CASE("each measure past its threshold brings exactly its own advice, naming its figures") {
  const advice_case cases[] = {
    {"a low hit rate with evictions suggests a larger cache and names the rate",
     [](health_sample& s) {
       s.hit_rate = 0.62;
       s.evictions = 40;
     },
     1,
     {"62.0%", "larger cache"}},
    {"a low hit rate over fewer than 100 lookups is not reported",
     [](health_sample& s) {
       s.hit_rate = 0.1;
       s.lookups = 99;
     },
     0,
     {}},
    {"high latency and errors each produce their own advice",
     [](health_sample& s) {
       s.avg_latency_ms = 12.5;
       s.error_rate = 0.05;
     },
     2,
     {"12.5 ms", "5.00%", "Redis"}},
    {"thresholds are strict: exactly 10 ms and exactly 1% errors are fine",
     [](health_sample& s) {
       s.avg_latency_ms = 10;
       s.error_rate = 0.01;
     },
     0,
     {}},
    {"usage advice picks one band: near capacity, naming the usage",
     [](health_sample& s) { s.usage_ratio = 0.95; },
     1,
     {"near capacity", "95%"}},
    {"usage advice picks one band: high",
     [](health_sample& s) { s.usage_ratio = 0.8; },
     1,
     {"usage high"}},
    {"usage advice picks one band: low",
     [](health_sample& s) { s.usage_ratio = 0.1; },
     1,
     {"could shrink"}},
    {"a low hit rate without evictions does not ask for a larger cache",
     [](health_sample& s) {
       s.hit_rate = 0.3;
       s.evictions = 0;
     },
     1,
     {"not too small"},
     {"larger cache"}},
    {"errors from the loader name the loader, not Redis",
     [](health_sample& s) {
       s.error_rate = 0.2;
       s.loader_failures = 200;
     },
     1,
     {"200 failed computes", "check the loader"},
     {"Redis"}},
    {"errors from Redis name Redis with the count",
     [](health_sample& s) {
       s.error_rate = 0.05;
       s.l2_errors = 7;
     },
     1,
     {"7 failed Redis round trips"}},
    {"an open breaker gets advice",
     [](health_sample& s) { s.breaker_open = true; },
     1,
     {"circuit breaker is open"}},
    {"a member not alive gets advice",
     [](health_sample& s) { s.members_not_alive = 1; },
     1,
     {"1 cluster member is not alive", "members remove"}},
    {"corrupt L2 entries get advice naming the window",
     [](health_sample& s) {
       s.l2_corrupt = 3;
       s.window_s = 60;
     },
     1,
     {"3 L2 entries over the last 60 s did not decode"}},
  };
  for (auto& c : cases)
    DYNAMIC_SECTION(c.what) { check_advice(c); }
}

TEST_CASE("larger cache and could shrink never appear together") {
  // The report: a low hit rate next to "could shrink" on a node with 0 evictions.
  for (uint64_t evictions : {uint64_t{0}, uint64_t{5}})
    for (double usage : {0.05, 0.2, 0.5, 0.95}) {
      auto s = healthy();
      s.hit_rate = 0.4;
      s.evictions = evictions;
      s.usage_ratio = usage;
      auto r = recommend(s);
      INFO("evictions " << evictions << ", usage " << usage);
      CHECK_FALSE((any_contains(r, "larger cache") && any_contains(r, "could shrink")));
    }
}

TEST_CASE("a low usage is no advice to shrink while the hit rate is low or lookups are few") {
  auto s = healthy();
  s.usage_ratio = 0.1;
  s.hit_rate = 0.5;
  CHECK_FALSE(any_contains(recommend(s), "could shrink"));
  s = healthy();
  s.usage_ratio = 0.1;
  s.lookups = 10;
  CHECK(recommend(s).empty());
}

TEST_CASE("advice names the window its rates describe") {
  auto s = healthy();
  s.hit_rate = 0.5;
  s.evictions = 9;
  s.window_s = 60;
  CHECK(any_contains(recommend(s), "over the last 60 s"));
}

TEST_CASE("usage history keeps the newest samples, oldest first") {
  usage_history h(3);
  for (uint64_t i = 1; i <= 5; ++i)
    h.push({i * 1000, i * 10, i, 100});
  auto xs = h.samples();
  REQUIRE(xs.size() == 3);
  CHECK(xs[0].timestamp_ms == 3000);
  CHECK(xs[1].timestamp_ms == 4000);
  CHECK(xs[2].timestamp_ms == 5000);
}

TEST_CASE("the trend is the growth in bytes per minute") {
  usage_history h;
  CHECK(h.trend_bytes_per_minute() == 0);
  // 1 MiB every 30 s = 2 MiB per minute.
  for (uint64_t i = 0; i < 10; ++i)
    h.push({i * 30000, (5 + i) << 20, 0, 0});
  CHECK(h.trend_bytes_per_minute() == Approx(2.0 * (1 << 20)));
}

TEST_CASE("samples sharing one timestamp have no trend") {
  usage_history h;
  h.push({1000, 10, 0, 0});
  h.push({1000, 99, 0, 0});
  CHECK(h.trend_bytes_per_minute() == 0);
}

TEST_CASE("configured thresholds move where advice starts, and the advice names them") {
  auto s = healthy();
  s.hit_rate = 0.9;
  s.evictions = 10;
  s.avg_latency_ms = 4;
  s.error_rate = 0.005;
  CHECK(recommend(s).empty()); // the defaults: 80%, 10 ms, 1%
  advice_thresholds strict;
  strict.min_hit_rate = 0.95;
  strict.max_latency_ms = 2;
  strict.max_error_rate = 0.001;
  auto r = recommend(s, strict);
  CHECK(any_contains(r, "(below 95%)"));
  CHECK(any_contains(r, "(above 2 ms)"));
  CHECK(any_contains(r, "(above 0.1%)"));
}

TEST_CASE("configured usage thresholds decide near capacity, high and could shrink") {
  auto s = healthy();
  s.usage_ratio = 0.6;
  CHECK(recommend(s).empty());
  advice_thresholds t;
  t.warn_usage = 0.5;
  CHECK(any_contains(recommend(s, t), "usage high"));
  t.high_usage = 0.55;
  CHECK(any_contains(recommend(s, t), "near capacity"));
  advice_thresholds roomy;
  roomy.low_usage = 0.7;
  CHECK(any_contains(recommend(s, roomy), "could shrink"));
}
