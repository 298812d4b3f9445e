// fuzz_features_key.cpp: libFuzzer target: parse_features_key and features_key_error agree, never crash, and what they accept round-trips and computes.
#include "core/features.hpp"

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "tests/fuzz/fuzz_check.hpp"

using ac::fuzz::check;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view key(reinterpret_cast<const char*>(data), size);
  auto parsed = ac::parse_features_key(key);
  auto why = ac::features_key_error(key);
  // Exactly one of: accepted, or refused with a sentence.
  check(parsed.has_value() == why.empty());
  if (!parsed)
    return 0;
  check(parsed->rows >= 1 && parsed->cols >= 1
        && uint64_t{parsed->rows} * parsed->cols <= ac::max_feature_cells);
  // The canonical key names the same request (leading zeros are dropped, nothing else).
  auto canonical = ac::make_features_key(*parsed);
  auto again = ac::parse_features_key(canonical);
  check(again && again->seed == parsed->seed && again->rows == parsed->rows
        && again->cols == parsed->cols);
  check(ac::make_features_key(*again) == canonical);
  // Small accepted shapes are computed: the result has the promised shape and no NaN.
  if (uint64_t{parsed->rows} * parsed->cols <= 4096) {
    auto f = ac::compute_features(parsed->seed, parsed->rows, parsed->cols);
    check(f.size() == size_t{parsed->cols} * ac::features_per_column);
    for (float v : f)
      check(!std::isnan(v));
  }
  return 0;
}
