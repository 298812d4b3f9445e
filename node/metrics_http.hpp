// The node's HTTP endpoint on metrics.http-port: Prometheus /metrics, and the dashboard (/dashboard, /dashboard.json).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include <caf/actor_system.hpp>

#include "messages/node_actors.hpp"

namespace ac {

class cluster_sampler;

/// How the server treats connections (metrics.http-* options).
struct metrics_http_options {
  size_t max_connections = 256;       ///< connections served at once, each on its own thread
  std::chrono::seconds keep_alive{2}; ///< an idle keep-alive connection is closed after this
  std::chrono::milliseconds dashboard_interval{2000}; ///< the sampler's interval, told to the page
};

/// Serves /metrics on host:port until destroyed. Each scrape asks the metrics actor for a
/// fresh report (bounded by a 2 s timeout; a timeout answers 503). Idle connections cost a
/// thread each but never delay another request (see http_task_queue).
class metrics_http {
public:
  metrics_http(caf::actor_system& sys, metrics_actor metrics, metrics_http_options opts = {});
  ~metrics_http();

  /// Also serves GET /dashboard (the page) and /dashboard.json (from `sampler`, which must
  /// outlive this server). Call before start().
  void serve_dashboard(const cluster_sampler* sampler);

  /// Binds and starts the server thread; false (with *error set) when the port is taken.
  bool start(const std::string& host, uint16_t port, std::string* error);
  void stop();

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

} // namespace ac
