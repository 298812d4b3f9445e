// The Prometheus endpoint (see metrics_http.hpp), on cpp-httplib.
#include "node/metrics_http.hpp"

#include <thread>

#include <caf/all.hpp>
#include <httplib.h>
#include <spdlog/spdlog.h>

#include "node/prometheus_text.hpp"

namespace ac {

struct metrics_http::impl {
  caf::actor_system& sys;
  metrics_actor metrics;
  httplib::Server server;
  std::thread thread;
};

metrics_http::metrics_http(caf::actor_system& sys, metrics_actor metrics)
  : impl_(new impl{sys, std::move(metrics), {}, {}}) {
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

bool metrics_http::start(const std::string& host, uint16_t port, std::string* error) {
  if (!impl_->server.bind_to_port(host.c_str(), port)) {
    *error = "cannot bind " + host + ":" + std::to_string(port);
    return false;
  }
  impl_->thread = std::thread([this] { impl_->server.listen_after_bind(); });
  spdlog::info("Prometheus metrics at http://{}:{}/metrics", host, port);
  return true;
}

void metrics_http::stop() {
  if (impl_->thread.joinable()) {
    impl_->server.stop();
    impl_->thread.join();
  }
}

} // namespace ac
