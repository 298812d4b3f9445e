// The compute actor: runs the loader on `loader.workers` detached workers behind a bounded queue.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "actors/loader.hpp"
#include "core/latency_histogram.hpp"
#include "messages/kind_stats.hpp"
#include "messages/miss_path_actors.hpp"

namespace ac {

/// A detached worker: one blocking load at a time, so a slow loader never stalls the scheduler.
using compute_worker_actor = caf::typed_actor<
  // Runs the loader for one key.
  caf::replies_to<compute_atom, std::string>::with<lookup_result>>;

struct compute_config {
  std::shared_ptr<loader> impl; ///< the loader (never null)
  uint32_t workers = 2;         ///< concurrent computes (loader.workers)
  uint32_t max_queue = 10000;   ///< computes waiting for a worker; beyond it: overloaded
  std::chrono::milliseconds timeout{30000}; ///< bound on one compute
};

struct compute_state {
  struct job {
    std::string key;
    caf::typed_response_promise<lookup_result> rp;
    std::chrono::steady_clock::time_point queued;
  };
  std::vector<compute_worker_actor> idle;
  std::deque<job> queue;
  latency_histogram latency; ///< queue + compute time per key
  uint64_t handled = 0;
  /// What it counted (refused: keys the loader refused as invalid, bad_request to the
  /// caller); `queued` is filled in when it reports.
  compute_stats counts;
  static inline const char* name = "compute";
};

compute_actor::behavior_type compute(compute_actor::stateful_pointer<compute_state> self,
                                     compute_config cfg);

} // namespace ac
