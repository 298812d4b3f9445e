// Internal to the shard actor (shard*.cpp): the steps its handlers call; not for other actors.
#pragma once

#include <mutex>
#include <string>
#include <vector>

#include "actors/shard.hpp"

namespace ac::shard_impl {

using self_ptr = shard_actor::stateful_pointer<shard_state>;

/// Every access to the store (and the hot-key sketch) holds the shard_store's mutex: RESP
/// sessions read hits from it on their own threads (shard_store.hpp).
inline std::unique_lock<std::mutex> lock_store(self_ptr self) {
  return std::unique_lock<std::mutex>{self->state.shared->mutex};
}

// -- reads (shard_reads.cpp) ------------------------------------------------------------------

caf::result<lookup_result> get_one(self_ptr self, const shard_config& cfg, const std::string& key);
caf::result<lookup_results> get_many(self_ptr self, const shard_config& cfg,
                                     const std::vector<std::string>& keys);
lookup_result peek(self_ptr self, const std::string& key);
caf::result<lookup_result> handoff(self_ptr self, const std::string& key, bool may_fence);
void refresh_ahead_of(self_ptr self, const shard_config& cfg, const std::string& key,
                      int64_t ttl_left_ms, uint64_t since);
caf::result<lookup_result> warm(self_ptr self, const std::string& key);
void warm_here(self_ptr self, const shard_config& cfg, const std::string& key, uint64_t hash);

// -- writes (shard_writes.cpp) ----------------------------------------------------------------

caf::result<uint8_t> put(self_ptr self, const shard_config& cfg, const std::string& key,
                         std::string& value, uint32_t ttl);
caf::result<uint8_t> put_if_cond(self_ptr self, const shard_config& cfg, const std::string& key,
                                 std::string& value, uint32_t ttl, uint8_t cond);
caf::result<int64_t> keyspace(self_ptr self, const shard_config& cfg, uint8_t op,
                              const std::string& key, int64_t arg);
caf::result<bool> erase(self_ptr self, const shard_config& cfg, const std::string& key);
bool fill(self_ptr self, const std::string& key, std::string& value, uint32_t ttl, uint64_t since);
void fill_if(self_ptr self, const std::string& key, std::string& value, uint32_t ttl, uint8_t cond);
void retry_pending_deletes(self_ptr self, const shard_config& cfg);

// -- upkeep: listing, sweeps, ownership changes, warming lists, stats (shard_upkeep.cpp) --------

scan_page scan(self_ptr self, uint64_t cursor, const std::string& pattern, uint32_t limit);
uint64_t flush(self_ptr self);
void sweep(self_ptr self, const shard_config& cfg);
void on_ownership_change(self_ptr self, const shard_config& cfg, uint64_t epoch, bool healed);
void drop_disowned(self_ptr self, const shard_config& cfg, uint64_t cursor, uint64_t epoch);
hot_key_list hot_list(self_ptr self, uint32_t n);
hot_key_list resident_names(self_ptr self, const shard_config& cfg, uint32_t n,
                            const std::string& owner);
caf::result<std::vector<actor_stats>> stats(self_ptr self, const shard_config& cfg);

} // namespace ac::shard_impl
