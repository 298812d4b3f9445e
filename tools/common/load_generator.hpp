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
// The counters of a run, named once: the members, merge() and the JSON fields follow the list.
// requests: answered or failed; ok: answered without error (a miss is ok); hits / misses: keys
// found / not found; keys: asked for or written; gets: get and get_many requests; retries:
// requests sent a second time after a failure; wire_batches: --auto-batch, the get_many
// messages the batchers sent; resp_batches: those of them sent as MGET to a RESP port;
// batched_gets: --auto-batch, the single gets they carried; wrong: --verify, hits whose value is
// not the one made from their key.
// clang-format off
#define AC_LOAD_COUNTERS(X) \
  X(requests) X(ok) X(errors) X(hits) X(misses) X(keys) X(gets) X(puts) X(retries) \
  X(wire_batches) X(resp_batches) X(batched_gets) X(wrong)
// clang-format on

struct load_result {
#define AC_LOAD_MEMBER(name) uint64_t name = 0;
  AC_LOAD_COUNTERS(AC_LOAD_MEMBER)
#undef AC_LOAD_MEMBER
  double seconds = 0;
  latency_histogram latency;                   ///< per request, microseconds, incl. retries
  std::map<std::string, uint64_t> error_kinds; ///< describe(error) -> count

  /// Calls f("name", value) for each counter of AC_LOAD_COUNTERS.
  template <class F>
  void each_counter(F&& f) const {
#define AC_LOAD_VISIT(name) f(#name, name);
    AC_LOAD_COUNTERS(AC_LOAD_VISIT)
#undef AC_LOAD_VISIT
  }

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
