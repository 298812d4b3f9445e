// The Prometheus endpoint: an HTTP server thread answering GET /metrics from the metrics actor.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include <caf/actor_system.hpp>

#include "messages/node_actors.hpp"

namespace ac {

/// Serves /metrics on host:port until destroyed. Each scrape asks the metrics actor for a
/// fresh report (bounded by a 2 s timeout; a timeout answers 503).
class metrics_http {
public:
  metrics_http(caf::actor_system& sys, metrics_actor metrics);
  ~metrics_http();

  /// Binds and starts the server thread; false (with *error set) when the port is taken.
  bool start(const std::string& host, uint16_t port, std::string* error);
  void stop();

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

} // namespace ac
