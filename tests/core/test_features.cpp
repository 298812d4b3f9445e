// Tests for the features workload: key parsing, determinism and the feature arithmetic.
#include <catch2/catch.hpp>

#include "core/features.hpp"

#include <stdexcept>

using namespace ac;

TEST_CASE("a well-formed features key parses and round-trips") {
  auto r = parse_features_key("feat:42:250x8");
  REQUIRE(r);
  CHECK(r->seed == 42);
  CHECK(r->rows == 250);
  CHECK(r->cols == 8);
  CHECK(make_features_key(*r) == "feat:42:250x8");
  CHECK(features_key_error("feat:42:250x8").empty());
}

TEST_CASE("malformed features keys are refused with a reason") {
  for (auto k : {"", "feat:", "feat:1", "feat:1:10", "feat:1:10x", "feat:x:10x2", "feat:1:-1x2",
                 "feat:1:10x2 ", "feat:+1:10x2", "feature:1:10x2", "feat:1:99999999999x2"}) {
    INFO(k);
    CHECK_FALSE(parse_features_key(k));
    CHECK(features_key_error(k).find("malformed") != std::string::npos);
  }
}

TEST_CASE("features keys with zero or too many cells are refused and say why") {
  CHECK_FALSE(parse_features_key("feat:1:0x5"));
  CHECK(features_key_error("feat:1:0x5").find("zero") != std::string::npos);
  CHECK(parse_features_key("feat:1:4194304x1"));
  CHECK_FALSE(parse_features_key("feat:1:4194305x1"));
  CHECK(features_key_error("feat:1:4194305x1").find("limit of 4194304") != std::string::npos);
  CHECK_THROWS_AS(compute_features(1, 5000, 1000), std::invalid_argument);
  CHECK_THROWS_AS(compute_features(1, 0, 3), std::invalid_argument);
}

TEST_CASE("the same seed gives the same features and another seed different ones") {
  auto a = compute_features(7, 500, 4);
  auto b = compute_features(7, 500, 4);
  auto c = compute_features(8, 500, 4);
  REQUIRE(a.size() == 4 * features_per_column);
  CHECK(a == b);
  CHECK(a != c);
}

TEST_CASE("generated prices stay positive and move at most 1% per step") {
  auto p = generate_market_data(3, 1000, 3);
  REQUIRE(p.size() == 3000);
  for (size_t i = 3; i < p.size(); ++i) {
    REQUIRE(p[i] > 0);
    REQUIRE(std::abs(p[i] / p[i - 3] - 1.0) <= 0.0101);
  }
}

TEST_CASE("fused features of a known array are the textbook statistics") {
  // One column: 1, 2, 3, 4.
  auto f = fused_features({1, 2, 3, 4}, 4, 1);
  REQUIRE(f.size() == features_per_column);
  CHECK(f[0] == Approx(2.5));                           // mean
  CHECK(f[1] == Approx(std::sqrt(1.25)));               // population stddev
  CHECK(f[2] == 1.0f);                                  // min
  CHECK(f[3] == 4.0f);                                  // max
  CHECK(f[4] == Approx(4.0 / 3.0 - 1.0));               // last return
  CHECK(f[5] > 0);                                      // rising: short EMA above long
  CHECK(f[6] == Approx(1.5 / std::sqrt(1.25)));         // z-score of the last value
  CHECK(f[7] == Approx((1.0 + 0.5 + 1.0 / 3.0) / 3.0)); // mean |return|
}

TEST_CASE("columns are computed independently") {
  // Two columns interleaved row-major: col0 = 1,2,3,4 and col1 constant 5.
  auto f = fused_features({1, 5, 2, 5, 3, 5, 4, 5}, 4, 2);
  CHECK(f[0] == Approx(2.5));
  CHECK(f[features_per_column + 0] == 5.0f);
  CHECK(f[features_per_column + 1] == 0.0f); // no spread
  CHECK(f[features_per_column + 6] == 0.0f); // z-score defined as 0 without spread
}

TEST_CASE("features are pinned so stored values stay valid across builds") {
  // A change here means every features value already in Redis is stale.
  auto f = compute_features(1, 100, 2);
  CHECK(f[0] == 109.061676f);
  CHECK(f[features_per_column + 5] == -0.62647754f);
}

TEST_CASE("a single row has no returns") {
  auto f = compute_features(1, 1, 2);
  CHECK(f[4] == 0.0f);
  CHECK(f[7] == 0.0f);
}
