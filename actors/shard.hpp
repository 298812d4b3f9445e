// The shard actor: owns one partition of L1 (a cache_store) and its coalescer.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include <absl/container/flat_hash_map.h>
#include <absl/container/flat_hash_set.h>

#include "actors/prefetch_model.hpp"
#include "actors/route_view.hpp"
#include "actors/shard_store.hpp"
#include "core/key_order.hpp"
#include "core/latency_histogram.hpp"
#include "core/pending_requests.hpp"
#include "core/ttl_clock.hpp"
#include "messages/kind_stats.hpp"
#include "messages/miss_path_actors.hpp"
#include "messages/shard_actor.hpp"

namespace ac {

/// Everything a shard needs to start; the supervisor keeps it to restart the shard as it was.
struct shard_config {
  uint32_t index = 0;                             ///< position in the node's shard table
  store_options store;                            ///< this shard's share of the node budget
  uint32_t max_value_bytes = 1 << 20;             ///< cache.max-value-bytes
  std::chrono::milliseconds sweep_interval{1000}; ///< how often expired entries are dropped
  std::chrono::milliseconds load_timeout{10000};  ///< bound on one miss load (L2 + compute)
  std::chrono::milliseconds negative_ttl{0};      ///< remember failed loads this long (0 = never)
  /// redis.absent-ttl: how long a key L2 said it lacks reads as absent in L1 (0 = never)
  std::chrono::milliseconds absent_ttl{0};
  bool has_loader = false;     ///< a loader or L2 exists: misses go to the coalescer
  redis_bridge_actor bridge;   ///< L2 (may be null): write-through of puts
  bool write_sync = true;      ///< redis.write-policy=sync: L2 first, or refuse
  compute_actor compute;       ///< the loader (may be null)
  uint64_t max_backlog = 0;    ///< queued requests before misses are refused (0 = no bound)
  uint64_t hot_threshold = 64; ///< sampled reads (per ~1 s, decaying) that make a key hot
  size_t warm_capacity = 64;   ///< keys the warming list tracks
  /// The store the RESP sessions read too (route_view.hpp); kept by the supervisor, so a
  /// restarted shard swaps a fresh cache_store into the same object. Null: the shard makes one.
  std::shared_ptr<shard_store> shared;
  /// Who the peers are, to tell them when a key they may hold a near copy of changes; null on a
  /// node without a cluster (tests).
  std::shared_ptr<route_view> routes;
  std::chrono::milliseconds hot_ttl{0}; ///< cluster.hot-ttl: life of peers' near copies
  /// cache.refresh-ahead (share of a hot key's TTL after which a hit refreshes it; 0 = off):
  /// the node's one knob, shared by its shards and changed by SIGHUP (shard_store.hpp).
  std::shared_ptr<std::atomic<double>> refresh_ahead = std::make_shared<std::atomic<double>>(0.8);
  size_t refresh_capacity = 256; ///< hot keys' TTLs and refreshes in flight remembered
  /// warming.predictive: the node's model of which keys follow which, shared by its shards;
  /// null when off (or without L2: warming reads L2 only).
  std::shared_ptr<prefetch_model> prefetch;
};

/// A request a shard queued behind a key's writes and sent back to itself (core/key_order.hpp):
/// told apart from others on arrival by its sender and id, which the send-back keeps.
struct shard_op_id {
  caf::strong_actor_ptr sender;
  caf::message_id mid;
  bool operator==(const shard_op_id& other) const {
    return sender == other.sender && mid.integer_value() == other.mid.integer_value();
  }
};

/// Requests waiting on keys whose writes are out at Redis, each with what sends it back (true)
/// or answers it with an error (false: the shard ends).
using shard_key_order = key_order<shard_op_id, std::function<void(bool)>>;

struct shard_state {
  std::shared_ptr<shard_store> shared; ///< L1 and hot keys; lock shared->mutex for `store`
  cache_store* store = nullptr;        ///< shared->store, under shared->mutex only
  coalescer_actor coalescer;           ///< spawned and linked by the shard; null without a loader
  redis_bridge_actor bridge;           ///< L2 for write-through (null without Redis); replaceable
  /// redis.write-policy=l1-when-down: deletes Redis has not confirmed yet. Retried on every
  /// sweep; a read of such a key misses instead of loading it back from L2.
  absl::flat_hash_set<std::string> pending_deletes;
  /// Writes and deletes out at the bridge, sent without a CAF timeout (write_to_bridge): each
  /// is failed as overdue by the sweep after cache.load-timeout, should the bridge never answer.
  pending_requests<std::function<void(caf::error&)>> bridge_asks;
  /// Requests on keys whose writes are out at Redis, waiting their turn (in_key_order).
  shard_key_order order;
  latency_histogram latency; ///< time to answer L1 hits and L1-only misses
  uint64_t handled = 0;
  /// What it counted (messages/kind_stats.hpp says what each counter means); the store's own
  /// counters and sizes are filled in when it reports.
  shard_stats counts;
  bool l1_only_mode = false;    ///< the last write Redis was asked to take failed (logged once)
  uint64_t ownership_epoch = 0; ///< routing epoch of the drop of disowned entries under way
  uint64_t sweeps = 0;          ///< sweep ticks since start (the warming list decays every 30th)
  uint64_t names_cursor = 0;    ///< where the next naming of resident entries (warming) goes on
  static inline const char* name = "shard";
};

shard_actor::behavior_type shard(shard_actor::stateful_pointer<shard_state> self, shard_config cfg);

} // namespace ac
