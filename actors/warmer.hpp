// The warmer actor: loads the hot keys of the range a node owns from L2 when it joins or a partition heals.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "actors/route_view.hpp"
#include "messages/kind_stats.hpp"
#include "messages/miss_path_actors.hpp"
#include "messages/node_actors.hpp"

namespace ac {

struct warmer_config {
  std::shared_ptr<route_view> view;                ///< who owns what, the shards, the peers' fronts
  uint32_t max_keys = 16384;                       ///< warming.max-keys: most keys one run loads
  double rate = 2000;                              ///< warming.rate: most loads started per second
  uint32_t concurrency = 32;                       ///< loads in flight at once
  std::chrono::milliseconds settle{1000};          ///< wait this long after a change before asking
  std::chrono::milliseconds max_time{30000};       ///< warming.max-time: a run stops after this
  std::chrono::milliseconds request_timeout{5000}; ///< bound on each ask and load
  /// This node's own warming list (core/warm_list.hpp): the hottest L1 keys it held, written to
  /// L2 under warm_list_key(self_id) every save_interval and at a clean shutdown, read back by
  /// the first run after a start. Null bridge or a zero interval: no list (warming.save-interval).
  redis_bridge_actor bridge;
  std::string self_id;
  std::chrono::milliseconds save_interval{10000};
  /// The list's TTL in L2: a node that does not come back leaves nothing behind for long.
  std::chrono::seconds list_ttl{300};
};

struct warmer_state {
  enum class phase { idle, settling, collecting, loading };
  phase now = phase::idle;
  bool again = false; ///< a trigger came during a run: run once more after it
  /// The run after this one only asks members this one did not (they appeared after its plan).
  bool only_new = false;
  std::set<std::string> asked;    ///< peers this run (and the runs it follows up) asked, by id
  bool tick_pending = false;      ///< a pacing tick is scheduled
  std::vector<std::string> queue; ///< this run's keys, hottest first
  size_t next = 0;                ///< queue[next] is the next key to load
  size_t in_flight = 0;
  uint64_t started = 0;
  std::chrono::steady_clock::time_point run_start, last_progress;
  uint64_t run_loaded = 0;  ///< this run: values read from L2 into L1
  uint64_t run_present = 0; ///< this run: keys already in L1
  // Totals and the last finished run.
  uint64_t handled = 0, total_loaded = 0, last_candidates = 0, last_ms = 0;
  uint64_t total_ms = 0; ///< time spent loading, every run together
  /// The list saved before the last stop is still to be read (by the next run's collect); no
  /// save overwrites it before, or a node that saves before its first run would lose it.
  bool list_unread = false;
  redis_bridge_actor bridge; ///< cfg.bridge, or the supervisor's restarted one
  std::chrono::steady_clock::time_point settle_until; ///< a trigger while settling moves it on
  /// What it counted: runs; last_keys, the last run's loads; listed, the keys this node's own
  /// saved list named at its start; saves and save_failures of the list, saved_keys in the last
  /// one. The run figures are filled in when it reports.
  warmer_stats counts;
  static inline const char* name = "warmer";
};

warmer_actor::behavior_type warmer(warmer_actor::stateful_pointer<warmer_state> self,
                                   warmer_config cfg);

} // namespace ac
