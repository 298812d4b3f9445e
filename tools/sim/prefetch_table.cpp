// The --prefetch table of actorcache-sim (see prefetch_table.hpp).
#include "tools/sim/prefetch_table.hpp"

#include <cstdio>

namespace ac::sim {

void print_prefetch_table(const std::vector<uint64_t>& trace,
                          const std::vector<uint64_t>& capacities,
                          const std::vector<std::string>& policies,
                          const std::vector<uint64_t>& partitions, prefetch_options opts, bool json,
                          const named_policy_maker& make) {
  if (json) {
    std::printf(
      "{\"prefetch\": {\"k\": %zu, \"min_confidence\": %.3f, \"min_count\": %u, "
      "\"depth\": %zu, \"window\": %u, \"observe\": \"%s\"}, \"results\": [",
      opts.k, opts.min_confidence, opts.min_count, opts.depth, opts.window,
      opts.observe_misses_only ? "misses" : "all");
  } else {
    std::printf(
      "accesses %zu; prefetch k=%zu confidence>=%.2f count>=%u depth=%zu window=%u observe=%s; "
      "hit rates are demand hits\n",
      trace.size(), opts.k, opts.min_confidence, opts.min_count, opts.depth, opts.window,
      opts.observe_misses_only ? "misses" : "all");
    std::printf("%9s %6s %10s %9s %9s %8s %11s %9s %9s %10s\n", "capacity", "parts", "policy",
                "without", "with", "gain", "prefetches", "per 100", "accuracy", "predictor");
  }
  bool first = true;
  for (uint64_t c : capacities)
    for (uint64_t s : partitions)
      for (auto& policy : policies) {
        auto maker = [&](uint64_t cap) { return make(policy, cap); };
        prefetch_options off = opts, on = opts;
        off.enabled = false;
        on.enabled = true;
        off.partitions = on.partitions = s;
        auto base = replay_prefetch(maker, c, trace, off);
        auto with = replay_prefetch(maker, c, trace, on);
        double gain = 100 * (with.hit_rate() - base.hit_rate());
        double per100 = 100.0 * with.prefetches / static_cast<double>(trace.size());
        if (json) {
          std::printf(
            "%s\n  {\"capacity\": %llu, \"partitions\": %llu, \"policy\": \"%s\", "
            "\"hit_rate\": %.6f, \"hit_rate_prefetch\": %.6f, \"gain_points\": %.3f, "
            "\"prefetches\": %llu, \"used\": %llu, \"accuracy\": %.4f, "
            "\"predictor_bytes\": %llu}",
            first ? "" : ",", static_cast<unsigned long long>(c),
            static_cast<unsigned long long>(s), policy.c_str(), base.hit_rate(), with.hit_rate(),
            gain, static_cast<unsigned long long>(with.prefetches),
            static_cast<unsigned long long>(with.used), with.accuracy(),
            static_cast<unsigned long long>(with.predictor_bytes));
        } else {
          std::printf("%9llu %6llu %10s %8.2f%% %8.2f%% %+8.2f %11llu %9.2f %8.1f%% %9lluK\n",
                      static_cast<unsigned long long>(c), static_cast<unsigned long long>(s),
                      policy.c_str(), 100 * base.hit_rate(), 100 * with.hit_rate(), gain,
                      static_cast<unsigned long long>(with.prefetches), per100,
                      100 * with.accuracy(),
                      static_cast<unsigned long long>((with.predictor_bytes + 1023) / 1024));
        }
        first = false;
      }
  if (json)
    std::printf("\n]}\n");
}

} // namespace ac::sim
