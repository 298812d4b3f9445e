// Measures what one shard store's reads cost alone: hits per second on one thread, no actors, no sockets.
// Usage: store_get_rate [--entries=N] [--policy=P] [--batch=B] [--no-prefetch] [--seconds=S]
//
// Why: every figure of in-process get_many and of the RESP edge includes the store's own hit
// path (hash table, policy, copying the value out). This is its ceiling on one core, so an
// end-to-end figure can be read as store work plus the cost of the path around it. Keys are
// read in batches as the shard's get_many reads them: unless --no-prefetch, every key's bucket, then
// every key's entry, are prefetched before the first is read; each hit's value is copied out
// (the shard copies it into its answer), and each key is hashed (the shard hashes it too).
#include <chrono>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "core/cache_store.hpp"
#include "core/key_normalization.hpp"
#include "tools/common/cli_options.hpp"

namespace {

struct rate_config : ac::cli_config {
  uint64_t entries = 100000;
  std::string policy = "wtinylfu";
  uint32_t batch = 10;
  bool no_prefetch = false;
  double seconds = 2;

  rate_config() {
    program_options()
      .add(entries, "entries", "entries stored (16-byte keys, 100-byte values), all read")
      .add(policy, "policy", "eviction policy of the store: lru or wtinylfu")
      .add(batch, "batch", "keys read together (the shard's get_many)")
      .add(no_prefetch, "no-prefetch",
           "read without prefetching the batch's buckets and entries first")
      .add(seconds, "seconds", "measuring time");
  }
};

} // namespace

int main(int argc, char** argv) {
  rate_config cfg;
  if (auto parsed = ac::parse_options_only(cfg, argc, argv); parsed.exit_code >= 0)
    return parsed.exit_code;
  if (cfg.entries == 0 || cfg.batch == 0) {
    std::fprintf(stderr, "bad option: --entries and --batch must be at least 1\n");
    return 2;
  }
  ac::system_clock_source clock;
  ac::store_options o;
  o.max_bytes = uint64_t{1} << 40; // every entry stays resident
  o.max_entries = cfg.entries;
  o.policy = cfg.policy;
  ac::cache_store store{o, clock};
  std::vector<std::string> keys(cfg.entries);
  std::string value(100, 'v');
  char key[32];
  for (uint64_t i = 0; i < cfg.entries; ++i) {
    std::snprintf(key, sizeof key, "key-%012llu", static_cast<unsigned long long>(i));
    keys[i] = key;
    store.put(keys[i], ac::key_hash(keys[i]), value, std::chrono::seconds(0));
  }
  std::mt19937_64 rng(42);
  std::vector<const std::string*> batch(cfg.batch);
  std::vector<uint64_t> hash(cfg.batch);
  uint64_t reads = 0, hits = 0;
  auto start = std::chrono::steady_clock::now();
  auto until = start
               + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                 std::chrono::duration<double>(cfg.seconds));
  while (std::chrono::steady_clock::now() < until) {
    for (int round = 0; round < 64; ++round) {
      for (uint32_t j = 0; j < cfg.batch; ++j) {
        batch[j] = &keys[rng() % cfg.entries];
        hash[j] = ac::key_hash(*batch[j]);
      }
      if (!cfg.no_prefetch) {
        for (uint32_t j = 0; j < cfg.batch; ++j)
          store.prefetch_bucket(hash[j]);
        for (uint32_t j = 0; j < cfg.batch; ++j)
          store.prefetch_entry(hash[j]);
      }
      for (uint32_t j = 0; j < cfg.batch; ++j)
        if (auto found = store.get(*batch[j], hash[j])) {
          std::string copy{found.value};
          hits += copy.size() == found.value.size();
        }
      reads += cfg.batch;
    }
  }
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("%s entries=%llu batch=%u prefetch=%s: %.0f ns/read, %.0f reads/s, hits %llu/%llu\n",
              cfg.policy.c_str(), static_cast<unsigned long long>(cfg.entries), cfg.batch,
              cfg.no_prefetch ? "off" : "on", secs * 1e9 / static_cast<double>(reads),
              static_cast<double>(reads) / secs, static_cast<unsigned long long>(hits),
              static_cast<unsigned long long>(reads));
  return hits == reads ? 0 : 1;
}
