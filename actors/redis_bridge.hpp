// The Redis bridge actor: L2 reads merged into pipelined MGETs (each key with its PTTL), write-through SETs, a circuit breaker.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include <absl/container/flat_hash_map.h>
#include <caf/allowed_unsafe_message_type.hpp>

#include "actors/redis_pipeline.hpp"
#include "core/circuit_breaker.hpp"
#include "core/latency_histogram.hpp"
#include "core/pending_requests.hpp"
#include "messages/kind_stats.hpp"
#include "messages/miss_path_actors.hpp"

namespace ac {

struct redis_bridge_config {
  redis_options redis;                     ///< server, auth, db, prefix, timeout
  uint32_t pool_size = 2;                  ///< connections, one detached worker each
  uint32_t batch_max = 128;                ///< most keys in one MGET / SET pipeline
  std::chrono::microseconds batch_wait{0}; ///< 0: send as soon as a connection is free
                                           ///< (batches form while all are busy); >0: also wait
  breaker_options breaker;                 ///< open after consecutive failures
  size_t max_pending_writes = 100000; ///< writes waiting for a connection; beyond: oldest dropped
  /// How long a worker may take for a batch before its waiters are answered as failed; 0 =
  /// 4 x redis.timeout + 100 ms (a worker's own I/O is bounded by redis.timeout, and a
  /// reconnect takes a few of those). Tests set it below a silent server's timeout.
  std::chrono::milliseconds batch_bound{0};
};

/// One batch of L2 work for one connection: a pipeline of SETs, DELs, conditional SETs and one
/// MGET.
struct l2_batch {
  std::vector<std::string> get_keys;
  std::vector<std::tuple<std::string, std::string, uint32_t>> puts;
  std::vector<std::string> dels;
  std::vector<redis_connection::cond_set_item> cond_puts; ///< SET NX / XX
  bool empty() const {
    return get_keys.empty() && puts.empty() && dels.empty() && cond_puts.empty();
  }
};

/// What a connection worker answers for a batch: one result per get key (the value and the
/// PTTL Redis gave it), or nothing on error.
struct l2_batch_result {
  bool ok = false;
  /// The batch's commands left for Redis (a connection took them): when it failed after that,
  /// its writes may have been applied (l2_outcome::unknown).
  bool sent = false;
  std::string error;
  std::vector<std::optional<redis_connection::timed_value>> values;
  std::vector<bool> applied; ///< one per conditional put: whether its condition held
  std::vector<bool> removed; ///< one per delete: whether Redis held the key
};

} // namespace ac

// Batches travel between the bridge and its workers inside one process only.
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(std::shared_ptr<ac::l2_batch>)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(std::shared_ptr<ac::l2_batch_result>)

namespace ac {

/// A detached worker owning one hiredis connection (blocking I/O bounded by redis.timeout).
using redis_worker_actor = caf::typed_actor<
  // Runs one batch on the connection, reconnecting with backoff when needed.
  caf::replies_to<l2_get_atom, std::shared_ptr<l2_batch>>::with<std::shared_ptr<l2_batch_result>>>;

/// A worker on `opts`'s server, detached (its I/O blocks) and linked to `bridge`; `seed`
/// spreads the reconnect back-offs of a pool's workers (redis_worker.cpp).
redis_worker_actor spawn_redis_worker(caf::local_actor* bridge, redis_options opts, uint64_t seed);

/// Who waits on one batch at a worker: its readers, its writers, and since when.
struct l2_batch_waiters {
  redis_worker_actor worker;
  std::vector<caf::typed_response_promise<lookup_result>> readers; ///< one per get key
  std::vector<caf::typed_response_promise<uint8_t>> writers;       ///< one per put
  std::vector<caf::typed_response_promise<uint8_t>> del_writers;   ///< one per delete
  std::vector<caf::typed_response_promise<uint8_t>> cond_writers;  ///< one per conditional put
  std::chrono::steady_clock::time_point sent;
  std::shared_ptr<l2_batch> batch; ///< what the worker runs (its writes, counted; its keys)
  size_t writes() const {
    return batch->puts.size() + batch->dels.size() + batch->cond_puts.size();
  }
};

struct redis_bridge_state {
  std::vector<redis_worker_actor> idle;
  std::deque<std::pair<std::string, caf::typed_response_promise<lookup_result>>> gets;
  /// Warming reads (warm_atom): they fill the free places of demand batches, and go on their
  /// own only while another connection stays free, so a demand read never waits behind them.
  std::deque<std::pair<std::string, caf::typed_response_promise<lookup_result>>> background;
  l2_batch writes; ///< puts and deletes waiting for a connection
  std::vector<caf::typed_response_promise<uint8_t>> write_waiters; ///< one per writes.puts entry
  std::vector<caf::typed_response_promise<uint8_t>> del_waiters;   ///< one per writes.dels entry
  std::vector<caf::typed_response_promise<uint8_t>> cond_waiters;  ///< one per writes.cond_puts
  circuit_breaker breaker;
  bool tick_armed = false;
  /// Batches out at the workers, each with its deadline; the sweep answers one whose worker
  /// has not by then as failed. Why not a CAF request timeout: it wakes the clock thread twice
  /// per batch, which cost an L2 write ~14% of the node's CPU (bench/RESULTS.md, session 18).
  pending_requests<std::shared_ptr<l2_batch_waiters>> out;
  /// Keys written by batches the sweep gave up on while their worker still runs them (with how
  /// many such writes each): Redis may yet apply those writes, so a new write of the key waits
  /// until the worker has answered, or it could land first and be overwritten by the old one.
  /// The worker, too, stays out of `idle` until then.
  absl::flat_hash_map<std::string, uint32_t> overdue_writes;
  bool sweep_armed = false;
  latency_histogram latency;     ///< one batch round trip
  latency_histogram batch_sizes; ///< keys per MGET (as "microseconds": it is just a histogram)
  uint64_t handled = 0;
  /// What it counted; the batch sizes, the breaker and the idle connections are filled in
  /// when it reports.
  redis_bridge_stats counts;
  static inline const char* name = "redis_bridge";
};

redis_bridge_actor::behavior_type redis_bridge(
  redis_bridge_actor::stateful_pointer<redis_bridge_state> self, redis_bridge_config cfg);

} // namespace ac
