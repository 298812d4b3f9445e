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
};

} // namespace ac
