// Deterministic market-data generator and the fused feature computation.
#include "core/features.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <stdexcept>

namespace ac {

namespace {

uint64_t splitmix64(uint64_t& state) {
  uint64_t z = (state += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

double unit(uint64_t& state) { // [0, 1)
  return static_cast<double>(splitmix64(state) >> 11) * 0x1.0p-53;
}

template <class T>
std::optional<T> parse_uint(std::string_view s) {
  if (s.empty() || s.front() < '0' || s.front() > '9')
    return std::nullopt;
  T v{};
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || ptr != s.data() + s.size())
    return std::nullopt;
  return v;
}

// Parses the shape only; size limits are checked by the callers.
std::optional<features_request> parse_shape(std::string_view key) {
  constexpr std::string_view prefix = "feat:";
  if (key.substr(0, prefix.size()) != prefix)
    return std::nullopt;
  key.remove_prefix(prefix.size());
  auto colon = key.find(':');
  if (colon == std::string_view::npos)
    return std::nullopt;
  auto x = key.find('x', colon);
  if (x == std::string_view::npos)
    return std::nullopt;
  auto seed = parse_uint<uint64_t>(key.substr(0, colon));
  auto rows = parse_uint<uint32_t>(key.substr(colon + 1, x - colon - 1));
  auto cols = parse_uint<uint32_t>(key.substr(x + 1));
  if (!seed || !rows || !cols)
    return std::nullopt;
  return features_request{*seed, *rows, *cols};
}

bool size_ok(uint32_t rows, uint32_t cols) {
  return rows > 0 && cols > 0 && uint64_t{rows} * cols <= max_feature_cells;
}

} // namespace

std::optional<features_request> parse_features_key(std::string_view key) {
  auto r = parse_shape(key);
  if (!r || !size_ok(r->rows, r->cols))
    return std::nullopt;
  return r;
}

std::string features_key_error(std::string_view key) {
  auto r = parse_shape(key);
  if (!r)
    return "malformed features key '" + std::string(key) + "': expected feat:<seed>:<rows>x<cols>";
  if (r->rows == 0 || r->cols == 0)
    return "features key '" + std::string(key) + "' has zero rows or columns";
  if (!size_ok(r->rows, r->cols))
    return "features key '" + std::string(key) + "' asks for "
           + std::to_string(uint64_t{r->rows} * r->cols) + " cells, more than the limit of "
           + std::to_string(max_feature_cells);
  return {};
}

std::string make_features_key(const features_request& r) {
  return "feat:" + std::to_string(r.seed) + ":" + std::to_string(r.rows) + "x"
         + std::to_string(r.cols);
}

std::vector<double> generate_market_data(uint64_t seed, uint32_t rows, uint32_t cols) {
  std::vector<double> p(size_t{rows} * cols);
  uint64_t state = seed;
  for (uint32_t c = 0; c < cols; ++c)
    p[c] = 50.0 + 100.0 * unit(state);
  for (uint32_t r = 1; r < rows; ++r)
    for (uint32_t c = 0; c < cols; ++c) // steps of at most +-1%, drifting slightly up
      p[size_t{r} * cols + c] = p[size_t{r - 1} * cols + c] * (1.0 + 0.02 * (unit(state) - 0.499));
  return p;
}

std::vector<float> fused_features(const std::vector<double>& prices, uint32_t rows, uint32_t cols) {
  std::vector<float> out(size_t{cols} * features_per_column, 0.0f);
  const double a12 = 2.0 / 13.0, a26 = 2.0 / 27.0;
  for (uint32_t c = 0; c < cols; ++c) {
    double sum = 0, sq = 0, lo = prices[c], hi = prices[c];
    double ema12 = prices[c], ema26 = prices[c], abs_ret = 0;
    for (uint32_t r = 0; r < rows; ++r) {
      double v = prices[size_t{r} * cols + c];
      sum += v;
      sq += v * v;
      lo = std::min(lo, v);
      hi = std::max(hi, v);
      ema12 += a12 * (v - ema12);
      ema26 += a26 * (v - ema26);
      if (r > 0) {
        double prev = prices[size_t{r - 1} * cols + c];
        abs_ret += std::fabs(v / prev - 1.0);
      }
    }
    const double n = rows;
    const double mean = sum / n;
    const double var = std::max(0.0, sq / n - mean * mean);
    const double sd = std::sqrt(var); // correctly rounded by IEEE 754
    const double last = prices[size_t{rows - 1} * cols + c];
    const double prev = rows > 1 ? prices[size_t{rows - 2} * cols + c] : last;
    float* f = &out[size_t{c} * features_per_column];
    f[0] = static_cast<float>(mean);
    f[1] = static_cast<float>(sd);
    f[2] = static_cast<float>(lo);
    f[3] = static_cast<float>(hi);
    f[4] = static_cast<float>(last / prev - 1.0);
    f[5] = static_cast<float>(ema12 - ema26);
    f[6] = static_cast<float>(sd > 0 ? (last - mean) / sd : 0.0);
    f[7] = static_cast<float>(rows > 1 ? abs_ret / (n - 1) : 0.0);
  }
  return out;
}

std::vector<float> compute_features(uint64_t seed, uint32_t rows, uint32_t cols) {
  if (!size_ok(rows, cols))
    throw std::invalid_argument("features: rows*cols must be in 1.."
                                + std::to_string(max_feature_cells) + ", got "
                                + std::to_string(rows) + "x" + std::to_string(cols));
  return fused_features(generate_market_data(seed, rows, cols), rows, cols);
}

} // namespace ac
