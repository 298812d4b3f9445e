// One request of cluster_client to one key's owner: what it sends, where its answer goes, its retry.
#pragma once

#include <cstdint>
#include <string>

#include <caf/timespan.hpp>

#include "clients/cpp/cluster_client.hpp"

namespace ac {

/// Shared by cluster_client's sources (cluster_client.cpp runs it: run<T>).
template <class T>
struct cluster_client::single_op {
  uint64_t hash = 0;
  int attempt = 0;
  std::string avoid; ///< node that failed the first attempt
  sender<T> send;
  callback<T> done;
  caf::timespan timeout{0}; ///< 0: the client's; longer for a wait in a lease's line
  /// Whether the retry may go to the key's runner-up when the owner's link went down. Not for
  /// leases: the cluster may still think the owner alive, and a runner-up would grant a second
  /// lease of the key (two computes); the retry goes to the owner of the refreshed table.
  bool may_avoid = true;
  /// Whether a transport failure is retried at all. Not for fills: a fill that timed out may
  /// still be filling, and a second one would be refused as stale_lease either way.
  bool may_retry = true;
};

} // namespace ac
