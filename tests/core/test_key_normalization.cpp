// Tests for feature-key normalization, config signatures, key validation and shard routing.
#include <catch2/catch.hpp>

#include "core/key_normalization.hpp"

#include <cmath>
#include <limits>
#include <regex>

using namespace ac;

TEST_CASE("a features key has 32 hex chars and ends with the config signature") {
  auto k = normalize_features_key({1.5, 2.5}, {2}, "abc123");
  CHECK(std::regex_match(k, std::regex("features:[0-9a-f]{32}:abc123")));
}

TEST_CASE("values that differ below the 6th decimal share a key") {
  CHECK(normalize_features_key({1.0000001, 3}, {2}, "s")
        == normalize_features_key({1.0000002, 3}, {2}, "s"));
}

TEST_CASE("values that differ at the 6th decimal get different keys") {
  CHECK(normalize_features_key({1.000001}, {1}, "s")
        != normalize_features_key({1.000002}, {1}, "s"));
}

TEST_CASE("negative zero and zero, and any two NaNs, share a key") {
  CHECK(normalize_features_key({-0.0}, {1}, "s") == normalize_features_key({0.0}, {1}, "s"));
  CHECK(normalize_features_key({-1e-9}, {1}, "s") == normalize_features_key({0.0}, {1}, "s"));
  double nan1 = std::numeric_limits<double>::quiet_NaN();
  double nan2 = -std::nan("42");
  CHECK(normalize_features_key({nan1}, {1}, "s") == normalize_features_key({nan2}, {1}, "s"));
}

TEST_CASE("the same values in another shape or config get another key") {
  std::vector<double> v{1, 2, 3, 4, 5, 6};
  CHECK(normalize_features_key(v, {2, 3}, "s") != normalize_features_key(v, {3, 2}, "s"));
  CHECK(normalize_features_key(v, {6}, "s") != normalize_features_key(v, {6}, "t"));
}

TEST_CASE("the features key is stable across builds and runs") {
  // Pinned value: a change here invalidates every key already stored in Redis.
  CHECK(normalize_features_key({1.0, 2.0}, {2}, "x")
        == "features:c7f61ea03cae71932b1ab33e6c6d6c28:x");
  CHECK(key_hash("hello") == 0x9555e8555c62dcfdull);
}

TEST_CASE("the config signature ignores parameter order") {
  auto a = config_signature({{"window", "20"}, {"ema", "12"}});
  auto b = config_signature({{"ema", "12"}, {"window", "20"}});
  CHECK(a == b);
  CHECK(a.size() == 16);
  CHECK(a != config_signature({{"ema", "12"}, {"window", "21"}}));
  CHECK(config_signature({{"ab", "c"}}) != config_signature({{"a", "bc"}}));
}

TEST_CASE("keys are refused when empty or longer than the limit") {
  CHECK(validate_key("", 10) == key_error::empty);
  CHECK(validate_key("0123456789", 10) == key_error::none);
  CHECK(validate_key("0123456789a", 10) == key_error::too_long);
}

TEST_CASE("shard_of spreads key hashes evenly and stays in range") {
  constexpr uint32_t shards = 7;
  std::vector<int> counts(shards, 0);
  for (int i = 0; i < 70000; ++i) {
    auto s = shard_of(key_hash("key" + std::to_string(i)), shards);
    REQUIRE(s < shards);
    ++counts[s];
  }
  for (int c : counts)
    CHECK(std::abs(c - 10000) < 500);
  CHECK(shard_of(~uint64_t{0}, 1) == 0);
  CHECK(shard_of(123, 0) == 0);
}
