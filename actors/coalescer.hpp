// The coalescer actor: one flight per missing key; every caller of that key shares its outcome.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <absl/container/flat_hash_map.h>

#include "actors/route_view.hpp"
#include "core/latency_histogram.hpp"
#include "core/ownership_handoff.hpp"
#include "core/single_flight.hpp"
#include "core/watch_list.hpp"
#include "messages/kind_stats.hpp"
#include "messages/miss_path_actors.hpp"
#include "messages/shard_actor.hpp"

namespace ac {

struct coalescer_config {
  uint32_t shard_index = 0;
  shard_actor shard;                             ///< receives each loaded value (fill)
  redis_bridge_actor bridge;                     ///< L2, may be null
  compute_actor compute;                         ///< the loader, may be null
  std::chrono::milliseconds load_timeout{10000}; ///< bound on L2 + compute of one flight
  uint32_t default_ttl = 300;                    ///< TTL of computed values (seconds)
  std::chrono::milliseconds negative_ttl{0};     ///< remember a failed load this long (0 = never)
  bool note_absent = false; ///< tell the shard when L2 lacks a key nothing computes (absent_atom)
  size_t max_negative = 10000; ///< bound on remembered failures
  /// Routes and the last membership change: a new owner asks the key's previous owner before
  /// computing (core/ownership_handoff.hpp). Null: no cluster, no hand-off.
  std::shared_ptr<route_view> routes;
  std::chrono::milliseconds handoff_window{10000}; ///< how long after a change (the load timeout)
};

/// The coalescer's flights, recent failures and settling values (core/single_flight).
using flight_table =
  single_flight<caf::typed_response_promise<lookup_result>, lookup_result, caf::error>;

struct coalescer_state {
  flight_table flights;
  fence_table<coalescer_actor> fences; ///< keys whose new owner asked: loads go there
  /// Fenced loads and hand-off asks out at other nodes, by the actor asked: each one's fallback
  /// (load here, compute here) runs when that actor goes down, since CAF would not answer, or
  /// when the cluster declares its node down while the link stands.
  watch_list<caf::actor_addr, std::function<void()>> remote_waits;
  bool sweep_armed = false;  ///< a sweep_atom is on its way (the sweep of remote_waits)
  redis_bridge_actor bridge; ///< replaceable after a restart (update_atom)
  compute_actor compute;     ///< replaceable after a restart (update_atom)
  latency_histogram latency; ///< per waiter: miss to answer
  uint64_t handled = 0;
  /// Per key in flight: the shard store's write_seq when the earliest of its loads saw the miss.
  /// The fill carries it, and the shard drops a value whose key was written since. Keys a flight
  /// began for without one (a warm, a peer's fenced load) fill as before.
  absl::flat_hash_map<std::string, uint64_t> since;
  /// What it counted; the flights' figures are filled in when it reports. loads: flights
  /// started; l2_corrupt: L2 values that did not decode (corrupt or newer; never L2 hits);
  /// computes: values computed; load_misses / errors: flights that ended without a value or
  /// with an error; handoff_asks: flights that asked the key's previous owner first,
  /// handoff_values: ... and got the value from it (no compute here); handoff_joined: asks of a
  /// new owner that joined a flight here; fenced: keys fenced to their new owner, fenced_loads:
  /// loads of fenced keys sent there; superseded: values dropped (L1 and L2) because their key
  /// was written after the miss; unkept: values served but not kept in L1 (under 2 s left
  /// at their source); refreshes: refresh-ahead flights started (L2 skipped when a loader
  /// exists), refresh_joined: ... that joined a flight under way, refresh_l2: ... without a
  /// loader that found a longer-lived L2 copy; warmed: warm flights started (L2 only unless a
  /// load joined them), warm_found: ... that found the key in L2 and filled L1.
  coalescer_stats counts;
  static inline const char* name = "coalescer";
  ~coalescer_state();
};

coalescer_actor::behavior_type coalescer(coalescer_actor::stateful_pointer<coalescer_state> self,
                                         coalescer_config cfg);

} // namespace ac
