// Zipf sampling by rejection-inversion, as in Apache Commons RNG's RejectionInversionZipfSampler.
#include "core/zipf_generator.hpp"

#include "core/frequency_sketch.hpp" // mix64

#include <cmath>

namespace ac {
namespace {

// log1p(x) / x, continuous at 0.
double helper1(double x) {
  return std::abs(x) > 1e-8 ? std::log1p(x) / x : 1 - x * (0.5 - x * (1.0 / 3 - 0.25 * x));
}

// expm1(x) / x, continuous at 0: makes H well-defined at alpha = 1.
double helper2(double x) {
  return std::abs(x) > 1e-8 ? std::expm1(x) / x
                            : 1 + x * 0.5 * (1 + x * (1.0 / 3) * (1 + 0.25 * x));
}

} // namespace

zipf_generator::zipf_generator(uint64_t n, double alpha, uint64_t seed)
  : n_(n == 0 ? 1 : n), alpha_(alpha < 0 ? 0 : alpha), state_(seed) {
  h_integral_x1_ = h_integral(1.5) - 1;
  h_integral_n_ = h_integral(static_cast<double>(n_) + 0.5);
  s_ = 2 - h_integral_inverse(h_integral(2.5) - h(2));
}

double zipf_generator::uniform01() {
  state_ += 0x9e3779b97f4a7c15ULL;
  return static_cast<double>(mix64(state_) >> 11) * 0x1.0p-53;
}

double zipf_generator::h(double x) const { return std::exp(-alpha_ * std::log(x)); }

double zipf_generator::h_integral(double x) const {
  double log_x = std::log(x);
  return helper2((1 - alpha_) * log_x) * log_x;
}

double zipf_generator::h_integral_inverse(double x) const {
  double t = x * (1 - alpha_);
  if (t < -1)
    t = -1; // rounding guard
  return std::exp(helper1(t) * x);
}

uint64_t zipf_generator::next() {
  if (alpha_
      == 0) { // uniform: skip the rejection loop (multiply-shift, no modulo bias worth noting)
    state_ += 0x9e3779b97f4a7c15ULL;
    return static_cast<uint64_t>((static_cast<unsigned __int128>(mix64(state_)) * n_) >> 64);
  }
  while (true) {
    double u = h_integral_n_ + uniform01() * (h_integral_x1_ - h_integral_n_);
    double x = h_integral_inverse(u);
    double kd = std::floor(x + 0.5);
    uint64_t k = kd < 1 ? 1 : kd > static_cast<double>(n_) ? n_ : static_cast<uint64_t>(kd);
    if (static_cast<double>(k) - x <= s_
        || u >= h_integral(static_cast<double>(k) + 0.5) - h(static_cast<double>(k)))
      return k - 1;
  }
}

} // namespace ac
