// Adaptive sizing rules: node capacity from free memory and CPU load, and its split over shards.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace ac {

/// RESP I/O loops for a node of `cores`: one per core but one, 1 to 8. The loops answer most
/// reads themselves, so they are the node's busiest threads; the core left over runs the actors
/// (writes, misses, the cluster) instead of taking turns with a loop. On 2 cores, 1 loop beat 2
/// by 1.2x at redis-benchmark -c 50 -P 16 (bench/RESULTS.md, session 10).
uint32_t default_io_loops(unsigned cores);

/// CAF scheduler threads for a node of `cores`: one per core, 2 to 4. Two at least so that one
/// long handler never stalls every actor. At most four because the node's `sharing` scheduler
/// keeps one queue under one mutex, which every worker takes for every actor it runs: on the
/// 16-core machine of issue 17 in-process get_many fell from 511k lookups/s with 4 workers to
/// 226k with 8 and 174k with 16, and 50 client actors x 16 in flight from 1.05M/s with 4 to
/// 316k/s with 15. The RESP loops (default_io_loops) are threads of their own and answer most
/// reads, so the cores beyond four still serve clients.
uint32_t default_scheduler_threads(unsigned cores);

/// 0.25 / 0.5 / 0.75 / 1.0 for less than 2 / 4 / 8 GiB available, and 8 GiB or more.
double memory_factor(uint64_t available_bytes);

/// What the sizing supervisor measured on one tick, and which rules it runs.
struct sizing_input {
  uint64_t available_bytes;          // memory the node may still use (memory_reader)
  std::optional<double> cpu_percent; // machine CPU utilization 0..100; nullopt until measured
  uint64_t base_bytes;               // sizing.base-bytes: the capacity at factor 1
  uint64_t max_bytes;      // cache.max-bytes: the hard cap the rules grow within (0 = none)
  uint64_t current_bytes;  // capacity in force now; only reported in the reason
  double cpu_target = 70;  // CPU band centre: above target+10 shrink, below target-10 grow
  bool memory_rule = true; // sizing.memory-rule: apply the memory factor
  bool cpu_rule = true;    // sizing.cpu-rule: apply the CPU factor
};

/// What one rule says, whether or not it is applied (stats show what a switched-off rule
/// would have done).
struct rule_outcome {
  bool enabled = true;  // the rule's switch
  bool measured = true; // its input was measured (CPU: not before the second reading)
  double factor = 1.0;  // the factor it asks for (1 when unmeasured)
};

/// The decision, also shown in `stats --json` under "sizing".
struct sizing_decision {
  double memory_factor = 1;    // applied: the memory rule's factor, 1 when it is off
  double cpu_factor = 1;       // applied: 0.8, 1.0 or 1.2; 1 when off or unmeasured
  uint64_t capacity_bytes = 0; // new node capacity
  std::string reason; // one human sentence with the numbers (no CPU figure before one was measured)
  rule_outcome memory; // what the memory rule says
  rule_outcome cpu;    // what the CPU rule says
};

/// capacity = base * (applied factors), bounded to [base/4, base*4], then to max_bytes, the
/// hard cap. With base = max_bytes (sizing.base-bytes=0, the default) the rules can only
/// shrink; a base below the cap leaves them room to grow (x1.2 on idle CPU) up to it.
/// Stateless on purpose: the same measurements give the same capacity, so a sustained
/// load moves the capacity once instead of ratcheting it to a bound tick after tick.
sizing_decision decide_capacity(const sizing_input& in);

/// Splits `total` bytes over gains.size() shards. Each shard gets at least
/// min_share * total / n (min_share clamped to [0,1]); the rest goes in proportion to the
/// gains (negative gains count as 0; equal shares when all are 0). Sums exactly to total.
std::vector<uint64_t> split_capacity(uint64_t total, const std::vector<double>& gains,
                                     double min_share = 0.5);

} // namespace ac
