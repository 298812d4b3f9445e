// The node's HTTP endpoint (see metrics_http.hpp), on cpp-httplib.
#include "node/metrics_http.hpp"

#include <thread>

#include <httplib.h>
#include <spdlog/spdlog.h>
#include <caf/all.hpp>

#include "node/cluster_sampler.hpp"
#include "node/dashboard_json.hpp"
#include "node/dashboard_page.hpp"
#include "node/http_task_queue.hpp"
#include "node/prometheus_text.hpp"

namespace ac {

struct metrics_http::impl {
  caf::actor_system& sys;
  metrics_actor metrics;
  metrics_http_options opts;
  httplib::Server server;
  std::thread thread;
  bool dashboard = false;
};

metrics_http::metrics_http(caf::actor_system& sys, metrics_actor metrics, metrics_http_options opts)
  : impl_(new impl{sys, std::move(metrics), opts, {}, {}, false}) {
  auto max = opts.max_connections;
  impl_->server.new_task_queue = [max] { return new http_task_queue(max); };
  impl_->server.set_keep_alive_timeout(std::max<time_t>(opts.keep_alive.count(), 1));
  impl_->server.Get("/metrics", [this](const httplib::Request&, httplib::Response& res) {
    caf::scoped_actor self{impl_->sys};
    bool ok = false;
    self->request(impl_->metrics, std::chrono::seconds(2), report_atom::value)
      .receive(
        [&](const node_report& rep) {
          res.set_content(render_prometheus(rep), "text/plain; version=0.0.4");
          ok = true;
        },
        [&](caf::error& err) { res.set_content(caf::to_string(err) + "\n", "text/plain"); });
    res.status = ok ? 200 : 503;
  });
}

metrics_http::~metrics_http() { stop(); }

void metrics_http::serve_dashboard(const cluster_sampler* sampler) {
  impl_->dashboard = true;
  impl_->server.Get("/dashboard", [](const httplib::Request&, httplib::Response& res) {
    auto page = dashboard_page();
    res.set_content(page.data(), page.size(), "text/html; charset=utf-8");
  });
  auto interval = impl_->opts.dashboard_interval;
  impl_->server.Get(
    "/dashboard.json", [sampler, interval](const httplib::Request&, httplib::Response& res) {
      res.set_header("Cache-Control", "no-store");
      res.set_content(dashboard_json(sampler->latest(), interval), "application/json");
    });
}

bool metrics_http::start(const std::string& host, uint16_t port, std::string* error) {
  if (!impl_->server.bind_to_port(host.c_str(), port)) {
    *error = "cannot bind " + host + ":" + std::to_string(port);
    return false;
  }
  impl_->thread = std::thread([this] { impl_->server.listen_after_bind(); });
  spdlog::info("Prometheus metrics at http://{}:{}/metrics", host, port);
  if (impl_->dashboard)
    spdlog::info("dashboard at http://{}:{}/dashboard", host, port);
  return true;
}

void metrics_http::stop() {
  if (impl_->thread.joinable()) {
    impl_->server.stop();
    impl_->thread.join();
  }
}

} // namespace ac
