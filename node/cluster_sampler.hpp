// Samples every member's report on a timer for the dashboard: the member list, the latest reports, rate history.
#pragma once

#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <string>
#include <thread>

#include <caf/actor_system.hpp>
#include <caf/io/middleman_actor.hpp>

#include "core/rate_series.hpp"
#include "messages/front_actor.hpp"
#include "messages/stats.hpp"

namespace ac {

/// One member as the dashboard shows it: its latest report (when it answered) and its history.
struct sampled_node {
  bool reachable = false; ///< the last sample got its report
  std::string error;      ///< why not, when not
  node_report report;     ///< the last report that arrived
  rate_series series;     ///< rates and percentiles per interval
};

/// What one sample of the cluster found; copied out under the sampler's lock.
struct cluster_sample {
  membership_view view;                      ///< as the local node sees the cluster
  std::map<std::string, sampled_node> nodes; ///< by member id
  uint64_t taken_ms = 0;                     ///< wall-clock time of the sample (ms since epoch)
  uint64_t samples = 0;                      ///< samples taken since start
};

/// A thread that every `interval` asks the local front for the member list and each live
/// member's front for its report (peers through `connector`, plain or TLS, as membership
/// connects; each request bounded by `timeout`). Only the dashboard reads it; the request
/// path never waits on it. Members that left are forgotten.
class cluster_sampler {
public:
  cluster_sampler(caf::actor_system& sys, front_actor local, caf::io::middleman_actor connector,
                  std::chrono::milliseconds interval, std::chrono::milliseconds timeout);
  ~cluster_sampler();

  void start();
  void stop();

  /// A copy of the latest sample (empty before the first).
  cluster_sample latest() const;

private:
  void loop();
  void sample_once();
  /// The member's front: the local one, a cached proxy, or a fresh connection (null on failure).
  front_actor front_of(const member_info& m, const std::string& self_id, std::string* error);

  caf::actor_system& sys_;
  front_actor local_;
  caf::io::middleman_actor connector_;
  std::chrono::milliseconds interval_, timeout_;
  std::map<std::string, front_actor> peers_; ///< by address; touched by the sampler thread only

  mutable std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  cluster_sample sample_;
  std::thread thread_;
};

} // namespace ac
