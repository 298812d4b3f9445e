// The CPU-bound "features" workload: a seeded market-data array and its fused feature vector.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ac {

/// Bound on rows * cols (32 MiB of doubles), so one key cannot exhaust a node.
constexpr uint64_t max_feature_cells = uint64_t{4} << 20;

/// Features per column, in this order: mean, stddev, min, max, last return,
/// momentum (EMA12 - EMA26 of the price), z-score of the last price, mean |return|.
constexpr uint32_t features_per_column = 8;

/// What a key "feat:<seed>:<rows>x<cols>" names.
struct features_request {
  uint64_t seed = 0; // market-data generator seed
  uint32_t rows = 0; // time steps, >= 1
  uint32_t cols = 0; // instruments, >= 1
};

/// nullopt when malformed (not decimal digits, zero rows/cols) or rows*cols exceeds
/// max_feature_cells; features_key_error() says which.
std::optional<features_request> parse_features_key(std::string_view key);

/// A sentence saying why the key is refused; empty when parse_features_key accepts it.
std::string features_key_error(std::string_view key);

std::string make_features_key(const features_request& r);

/// rows x cols prices, row-major (row = time step), from a splitmix64 random walk.
/// Uses only + - * / so the numbers are identical on every run and machine.
std::vector<double> generate_market_data(uint64_t seed, uint32_t rows, uint32_t cols);

/// Fused features of a rows x cols price array: shape {cols, features_per_column}, row-major.
std::vector<float> fused_features(const std::vector<double>& prices, uint32_t rows, uint32_t cols);

/// generate_market_data + fused_features. Throws std::invalid_argument when rows or cols
/// is 0 or rows*cols > max_feature_cells (callers validate with parse_features_key first).
std::vector<float> compute_features(uint64_t seed, uint32_t rows, uint32_t cols);

} // namespace ac
