// The load generator: N client actors keeping W requests in flight until R requests are answered.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>
#include <caf/timespan.hpp>

#include "clients/cpp/cluster_map.hpp"
#include "core/latency_histogram.hpp"

namespace ac {

/// What `actorcache-client load` (and benchmarks) run; defaults are the CLI defaults.
struct load_options {
  uint32_t clients = 8;            ///< client actors
  uint32_t window = 1;             ///< requests in flight per client actor
  uint64_t requests = 10000;       ///< total requests (a get_many counts once)
  uint64_t keys = 1000;            ///< distinct keys: key_prefix + 0 .. keys-1
  std::string key_prefix = "key-"; ///< so runs with one prefix touch the same keys
  uint32_t key_width = 0;          ///< zero-pad the key index to this many digits (0 = none)
  bool sequential = false;         ///< keys 0, 1, 2 ... in order across all clients (preload)
  std::string dist = "uniform";    ///< uniform | zipf
  double zipf = 0.99;              ///< zipf exponent
  double get_ratio = 0.9;          ///< share of gets; the rest are puts
  uint32_t batch = 1;              ///< keys per get (1 = get, more = get_many)
  /// Gets and get_many requests to one node queued together in the client process travel as
  /// one get_many of at most this many keys (get_batchers); 0 = every request is its own wire
  /// message. 256 rather than 64: 50 clients x get_many(10) went from 0.65x to 1.06x of Redis
  /// MGET-10 keys/s (bench/RESULTS.md), single gets at 50 x 16 from 0.7x to 0.9x.
  uint32_t auto_batch = 256;
  /// --batch-window: > 0 holds each auto-batch open this long for more gets (the original
  /// note's 10ms); 0 = send what queued up at once. Not the default: a closed loop with a few
  /// requests in flight would wait the whole window on every round.
  caf::timespan batch_window{0};
  /// on: the batchers send gets to each node's RESP port (resp.enabled) as MGET when it has
  /// one; off: CAF remoting only. A string because CAF flags cannot be switched off.
  std::string fast_path = "on";
  /// RESP connections per node the batches are spread over; 0 = get_batchers' default.
  uint32_t resp_links = 0;
  uint32_t value_size = 100; ///< bytes of each put value
  uint32_t ttl = 0;          ///< put ttl seconds (0 = node default)
  uint64_t seed = 42;        ///< client i draws from seed + i
  /// Puts store a value made from the key (verify_value) and gets check it, so an answer
  /// given to the wrong request shows up in `wrong`.
  bool verify = false;
  caf::timespan timeout = std::chrono::seconds(5); ///< per request
};

/// An empty string when `o` is usable, else what is wrong with it.
std::string validate(const load_options& o);

/// Totals of a run. ok + errors == requests once the run ended.
struct load_result {
  uint64_t requests = 0; ///< requests answered or failed
  uint64_t ok = 0;       ///< answered without error (a miss is ok)
  uint64_t errors = 0;
  uint64_t hits = 0;   ///< keys found
  uint64_t misses = 0; ///< keys not found
  uint64_t keys = 0;   ///< keys asked for or written
  uint64_t gets = 0;   ///< get / get_many requests
  uint64_t puts = 0;
  uint64_t retries = 0;      ///< requests sent a second time after a failure
  uint64_t wire_batches = 0; ///< --auto-batch: get_many messages the batchers sent
  uint64_t resp_batches = 0; ///< ... of them, the ones sent as MGET to a RESP port
  uint64_t batched_gets = 0; ///< --auto-batch: single gets they carried
  uint64_t wrong = 0;        ///< --verify: hits whose value is not the one made from their key
  double seconds = 0;
  latency_histogram latency;                   ///< per request, microseconds, incl. retries
  std::map<std::string, uint64_t> error_kinds; ///< describe(error) -> count

  void merge(const load_result& other);
};

/// --verify: the value a put of `key` stores, `size` bytes of the key repeated.
std::string verify_value(const std::string& key, uint32_t size);

/// Runs the load on `sys` through `directory` (cluster_directory) and blocks until every
/// request was answered or failed. Each request ends within about twice the timeout.
load_result run_load(caf::actor_system& sys, caf::actor directory, cluster_map_ptr table,
                     const load_options& opts);

/// `--json` output: one object (see docs/interface.md).
std::string to_json(const load_result& r, const load_options& o);

/// Human summary, a few lines.
std::string to_text(const load_result& r, const load_options& o);

} // namespace ac
