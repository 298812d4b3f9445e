// Deterministic Zipf-distributed key ranks for the simulator and the client's load generator.
#pragma once

#include <cstdint>

namespace ac {

/// Draws ranks in [0, n): rank r with probability proportional to 1 / (r + 1)^alpha, so rank 0
/// is the most popular. alpha = 0 is uniform; any alpha >= 0 works, including 1.0.
/// Rejection-inversion sampling (Hörmann and Derflinger 1996): O(1) memory and expected
/// O(1) time per draw, whatever n. The same (n, alpha, seed) yields the same sequence on
/// every platform (own PRNG, no std distributions). Callers wanting popular keys spread
/// over the key space should hash the rank.
class zipf_generator {
public:
  zipf_generator(uint64_t n, double alpha, uint64_t seed);

  /// Every key equally likely (alpha = 0).
  static zipf_generator uniform(uint64_t n, uint64_t seed) { return {n, 0.0, seed}; }

  uint64_t next();

  uint64_t n() const { return n_; }
  double alpha() const { return alpha_; }

private:
  double uniform01();       // in [0, 1)
  double h(double x) const; // the density x^-alpha
  double h_integral(double x) const;
  double h_integral_inverse(double x) const;

  uint64_t n_;
  double alpha_;
  uint64_t state_;       // splitmix64 state
  double h_integral_x1_; // H(1.5) - 1
  double h_integral_n_;  // H(n + 0.5)
  double s_;             // squeeze constant: accept without evaluating H
};

} // namespace ac
