// What the store-memory benchmarks (memory_per_entry, memory_budget) share: the policy option, the puts that fill a store, MiB.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>

#include "core/cache_store.hpp"
#include "core/key_normalization.hpp"
#include "tools/common/cli_options.hpp"

namespace ac::bench {

/// The options both programs take; each adds its own in its constructor.
struct store_memory_config : cli_config {
  std::string policy = "wtinylfu";

  store_memory_config() {
    program_options().add(policy, "policy", "eviction policy of the store: lru or wtinylfu");
  }
};

/// `n` puts of `bytes`-byte values that never expire, to keys prefix-000000000000 ..
/// prefix-(keys - 1) in turn ("key" makes 16-byte keys).
inline void put_many(cache_store& store, const char* prefix, uint64_t n, uint64_t keys,
                     uint64_t bytes) {
  std::string value(bytes, 'v');
  char key[40];
  for (uint64_t i = 0; i < n; ++i) {
    std::snprintf(key, sizeof key, "%s-%012llu", prefix, static_cast<unsigned long long>(i % keys));
    store.put(key, key_hash(key), value, std::chrono::seconds(0));
  }
}

inline double mib(uint64_t bytes) { return static_cast<double>(bytes) / 1048576.0; }

} // namespace ac::bench
