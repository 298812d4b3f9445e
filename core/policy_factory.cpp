// make_policy / policy_names: the one place that maps a policy name to its class.
#include "core/eviction_policy.hpp"
#include "core/lru_policy.hpp"
#include "core/wtinylfu_policy.hpp"

namespace ac {

std::vector<std::string_view> policy_names() { return {"lru", "wtinylfu"}; }

std::unique_ptr<eviction_policy> make_policy(std::string_view name, uint64_t capacity,
                                             policy_nodes& nodes, uint64_t expected_entries,
                                             uint64_t seed) {
  if (name == "lru")
    return std::make_unique<lru_policy>(capacity, nodes);
  if (name == "wtinylfu") {
    wtinylfu_options opts;
    opts.expected_entries = expected_entries;
    if (seed != 0)
      opts.seed = seed;
    return std::make_unique<wtinylfu_policy>(capacity, nodes, opts);
  }
  return nullptr;
}

} // namespace ac
