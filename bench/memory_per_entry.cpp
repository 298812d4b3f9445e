// Measures L1 bytes per entry: one shard store holding N entries of 16-byte keys and 100-byte values.
// Usage: memory_per_entry [--entries=N] [--policy=P] [--max-bytes-per-entry=X]; one policy per
// process, since freed memory stays in RSS. With a maximum, exits 1 when the measured bytes per
// entry exceed it.
#include <cstdio>
#include <cstdlib>
#include <string>

#include "core/cache_store.hpp"
#include "core/key_normalization.hpp"
#include "io/proc_readers.hpp"
#include "tools/common/cli_options.hpp"

namespace {

struct memory_config : ac::cli_config {
  uint64_t entries = 1000000;
  std::string policy = "wtinylfu";
  double max_bytes_per_entry = 0;

  memory_config() {
    program_options()
      .add(entries, "entries", "entries to store (16-byte keys, 100-byte values)")
      .add(policy, "policy", "eviction policy of the store: lru or wtinylfu")
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
      std::string value(100, 'v');
      char key[32]; // "key-" + 12 digits: 16 bytes
      for (uint64_t i = 0; i < n; ++i) {
        std::snprintf(key, sizeof key, "key-%012llu", static_cast<unsigned long long>(i));
        store.put(key, ac::key_hash(key), value, std::chrono::seconds(0));
      }
      auto after = ac::process_rss_bytes().value_or(0);
      per_entry = static_cast<double>(after - before) / static_cast<double>(store.entries());
      std::printf("%-9s entries=%llu rss_delta=%.1f MiB bytes/entry=%.1f (payload 116)\n", policy,
                  static_cast<unsigned long long>(store.entries()), (after - before) / 1048576.0,
                  per_entry);
    }
  }
  if (limit > 0 && per_entry > limit) {
    std::printf("FAILED: %.1f bytes per entry exceeds %.1f\n", per_entry, limit);
    return 1;
  }
  return 0;
}
