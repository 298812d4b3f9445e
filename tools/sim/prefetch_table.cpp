// The --prefetch table of actorcache-sim (see prefetch_table.hpp).
#include "tools/sim/prefetch_table.hpp"

#include <cstdio>
#include <iostream>

#include <nlohmann/json.hpp>

namespace ac::sim {

void print_prefetch_table(const std::vector<uint64_t>& trace,
                          const std::vector<uint64_t>& capacities,
                          const std::vector<std::string>& policies,
                          const std::vector<uint64_t>& partitions, prefetch_options opts, bool json,
                          const named_policy_maker& make) {
  auto results = nlohmann::json::array();
  if (!json) {
    std::printf(
      "accesses %zu; prefetch k=%zu confidence>=%.2f count>=%u depth=%zu window=%u observe=%s; "
      "hit rates are demand hits\n",
      trace.size(), opts.k, opts.min_confidence, opts.min_count, opts.depth, opts.window,
      opts.observe_misses_only ? "misses" : "all");
    std::printf("%9s %6s %10s %9s %9s %8s %11s %9s %9s %10s\n", "capacity", "parts", "policy",
                "without", "with", "gain", "prefetches", "per 100", "accuracy", "predictor");
  }
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
          results.push_back({{"capacity", c},
                             {"partitions", s},
                             {"policy", policy},
                             {"hit_rate", base.hit_rate()},
                             {"hit_rate_prefetch", with.hit_rate()},
                             {"gain_points", gain},
                             {"prefetches", with.prefetches},
                             {"used", with.used},
                             {"accuracy", with.accuracy()},
                             {"predictor_bytes", with.predictor_bytes}});
        } else {
          std::printf("%9llu %6llu %10s %8.2f%% %8.2f%% %+8.2f %11llu %9.2f %8.1f%% %9lluK\n",
                      static_cast<unsigned long long>(c), static_cast<unsigned long long>(s),
                      policy.c_str(), 100 * base.hit_rate(), 100 * with.hit_rate(), gain,
                      static_cast<unsigned long long>(with.prefetches), per100,
                      100 * with.accuracy(),
                      static_cast<unsigned long long>((with.predictor_bytes + 1023) / 1024));
        }
      }
  if (!json)
    return;
  nlohmann::json settings{{"k", opts.k},
                          {"min_confidence", opts.min_confidence},
                          {"min_count", opts.min_count},
                          {"depth", opts.depth},
                          {"window", opts.window},
                          {"observe", opts.observe_misses_only ? "misses" : "all"}};
  std::cout << nlohmann::json{{"prefetch", settings}, {"results", results}}.dump(1) << "\n";
}

} // namespace ac::sim
