// Whether a shard store's byte budget bounds its resident memory when the value sizes shift:
// puts of large values, then many more puts of small ones (memory a size class freed must serve
// another). Usage: memory_budget [--policy=P] [--small-keys=N] [--budget-mib=64]
// [--max-ratio=X]; exits 1 when RSS growth exceeds --max-ratio x the budget.
#include <algorithm>
#include <cstdio>
#include <string>

#include "bench/store_memory.hpp"
#include "io/proc_readers.hpp"

namespace {

// The shift of issue 17: 400k puts of 1 KiB values, then 1.5M puts of 60-byte ones.
constexpr uint64_t large_puts = 400000, large_bytes = 1024;
constexpr uint64_t small_puts = 1500000, small_bytes = 60;

struct budget_config : ac::bench::store_memory_config {
  uint64_t budget_mib = 64;
  uint64_t small_keys = 500000;
  double max_ratio = 0;

  budget_config() {
    program_options()
      .add(budget_mib, "budget-mib", "the store's byte budget (max_bytes) in MiB")
      .add(small_keys, "small-keys",
           "distinct keys the small puts cycle through (written again, so W-TinyLFU admits them)")
      .add(max_ratio, "max-ratio", "exit 1 when RSS growth exceeds this x the budget (0 = off)");
  }
};

using ac::bench::mib;
using ac::bench::put_many;

} // namespace

int main(int argc, char** argv) {
  budget_config cfg;
  if (auto parsed = ac::parse_options_only(cfg, argc, argv); parsed.exit_code >= 0)
    return parsed.exit_code;
  auto before = ac::process_rss_bytes().value_or(0);
  ac::system_clock_source clock;
  ac::store_options o;
  o.max_bytes = cfg.budget_mib << 20;
  o.max_entries = uint64_t{1} << 30; // bound by bytes only
  o.policy = cfg.policy;
  ac::cache_store store{o, clock};
  put_many(store, "large", large_puts, large_puts, large_bytes);
  auto after_large = ac::process_rss_bytes().value_or(0) - before;
  put_many(store, "small", small_puts, std::max<uint64_t>(1, cfg.small_keys), small_bytes);
  auto after_small = ac::process_rss_bytes().value_or(0) - before;
  double ratio = static_cast<double>(after_small) / static_cast<double>(o.max_bytes);
  std::printf(
    "%s budget=%.0f MiB after-large: rss=+%.1f MiB; after-small: rss=+%.1f MiB "
    "store=%.1f MiB entries=%llu ratio=%.2f\n",
    cfg.policy.c_str(), mib(o.max_bytes), mib(after_large), mib(after_small), mib(store.bytes()),
    static_cast<unsigned long long>(store.entries()), ratio);
  if (cfg.max_ratio > 0 && ratio > cfg.max_ratio) {
    std::printf("FAILED: RSS grew by %.2f x the budget (at most %.2f)\n", ratio, cfg.max_ratio);
    return 1;
  }
  return 0;
}
