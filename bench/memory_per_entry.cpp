// Measures L1 bytes per entry: one shard store holding N entries of 16-byte keys and 100-byte values.
// Usage: memory_per_entry [--entries=N] [--policy=P] [--max-bytes-per-entry=X]; one policy per
// process, since freed memory stays in RSS. With a maximum, exits 1 when the measured bytes per
// entry exceed it.
#include <cstdio>
#include <cstdlib>
#include <string>

#include "bench/store_memory.hpp"
#include "io/proc_readers.hpp"

namespace {

struct memory_config : ac::bench::store_memory_config {
  uint64_t entries = 1000000;
  double max_bytes_per_entry = 0;

  memory_config() {
    program_options()
      .add(entries, "entries", "entries to store (16-byte keys, 100-byte values)")
      .add(max_bytes_per_entry, "max-bytes-per-entry",
           "exit 1 when the measured bytes per entry exceed this (0 = report only)");
  }
};

} // namespace

int main(int argc, char** argv) {
  memory_config cfg;
  if (auto parsed = ac::parse_options_only(cfg, argc, argv); parsed.exit_code >= 0)
    return parsed.exit_code;
  const uint64_t n = cfg.entries;
  const char* policy = cfg.policy.c_str();
  const double limit = cfg.max_bytes_per_entry;
  double per_entry = 0;
  {
    auto before = ac::process_rss_bytes().value_or(0);
    {
      ac::system_clock_source clock;
      ac::store_options o;
      o.max_bytes = uint64_t{1} << 40; // bound by entries only: every entry stays resident
      o.max_entries = n;
      o.policy = policy;
      ac::cache_store store{o, clock};
      ac::bench::put_many(store, "key", n, n, 100); // "key-" + 12 digits: 16-byte keys
      auto after = ac::process_rss_bytes().value_or(0);
      per_entry = static_cast<double>(after - before) / static_cast<double>(store.entries());
      std::printf("%-9s entries=%llu rss_delta=%.1f MiB bytes/entry=%.1f (payload 116)\n", policy,
                  static_cast<unsigned long long>(store.entries()), ac::bench::mib(after - before),
                  per_entry);
    }
  }
  if (limit > 0 && per_entry > limit) {
    std::printf("FAILED: %.1f bytes per entry exceeds %.1f\n", per_entry, limit);
    return 1;
  }
  return 0;
}
