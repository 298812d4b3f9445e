// Adaptive sizing rules: node capacity from free memory and CPU load, and its split over shards.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace ac {

/// 0.25 / 0.5 / 0.75 / 1.0 for less than 2 / 4 / 8 GiB available, and 8 GiB or more.
double memory_factor(uint64_t available_bytes);

/// What the sizing supervisor measured on one tick.
struct sizing_input {
  uint64_t available_bytes;  // memory the node may still use (memory_reader)
  double cpu_percent;        // machine CPU utilization 0..100 (cpu_reader)
  uint64_t base_bytes;       // configured cache.max-bytes: the capacity at factor 1
  uint64_t max_bytes;        // hard ceiling; the decision never exceeds it (0 = none)
  uint64_t current_bytes;    // capacity in force now; only reported in the reason
  double cpu_target = 70;    // CPU band centre: above target+10 shrink, below target-10 grow
};

/// The decision, also shown in `stats --json` under "sizing".
struct sizing_decision {
  double memory_factor;    // from available memory
  double cpu_factor;       // 0.8, 1.0 or 1.2
  uint64_t capacity_bytes; // new node capacity
  std::string reason;      // one human sentence with the numbers
};

/// capacity = base * memory_factor * cpu_factor, bounded to [base/4, base*4] and max_bytes.
/// Stateless on purpose: the same measurements give the same capacity, so a sustained
/// load moves the capacity once instead of ratcheting it to a bound tick after tick.
sizing_decision decide_capacity(const sizing_input& in);

/// Splits `total` bytes over gains.size() shards. Each shard gets at least
/// min_share * total / n (min_share clamped to [0,1]); the rest goes in proportion to the
/// gains (negative gains count as 0; equal shares when all are 0). Sums exactly to total.
std::vector<uint64_t> split_capacity(uint64_t total, const std::vector<double>& gains,
                                     double min_share = 0.5);

} // namespace ac
