// actorcache-node: parses the config, starts logging and the node's actors, publishes the front, waits for a signal.
#include <csignal>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <mutex>
#include <optional>

#include <sys/resource.h>
#include <unistd.h>

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <caf/all.hpp>
#include <caf/io/all.hpp>
#include <caf/openssl/manager.hpp>

#include "core/ttl_clock.hpp"
#include "io/cli_args.hpp"
#include "node/cluster_sampler.hpp"
#include "node/config_file_check.hpp"
#include "node/config_reload.hpp"
#include "node/local_interfaces.hpp"
#include "node/metrics_http.hpp"
#include "node/node_config.hpp"
#include "node/node_wiring.hpp"
#include "node/publish.hpp"

namespace {

/// Blocks SIGINT/SIGTERM/SIGHUP in every thread (CAF's threads inherit the mask) so main can
/// sigwait: SIGHUP's default action would end the node without leaving the cluster.
sigset_t block_stop_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  return set;
}

/// Why the cluster refused this node (set once by the membership actor's callback).
std::mutex refusal_mutex;
std::string refusal;

/// The cluster refused us: remember why and wake main's sigwait, which exits 2.
void refuse(const std::string& why) {
  {
    std::lock_guard<std::mutex> guard{refusal_mutex};
    if (!refusal.empty())
      return;
    refusal = why;
  }
  ::kill(::getpid(), SIGTERM);
}

/// Reads the config file and the command line into cfg; an exit code when main is to stop
/// there (help printed, or a bad option).
std::optional<int> load_config(ac::node_config& cfg, int argc, char** argv) {
  cfg.load<caf::io::middleman>();
  // Before CAF's parse: the strict check writes file values into the options, and parse()
  // then applies the file and the command line over them again, so flags still win.
  if (auto msg = ac::check_config_file(cfg.options(), ac::config_file_of(argc, argv));
      !msg.empty()) {
    std::cerr << "actorcache-node: bad config " << msg << "\n";
    return 2;
  }
  return cfg.load_command_line(argc, argv, "actorcache-node");
}

/// Logging, the advertised host, TLS, the test clock skew and the descriptor limit: what the
/// process needs before the actor system starts.
void prepare_process(ac::node_config& cfg) {
  auto logger = spdlog::stderr_color_mt("actorcache");
  spdlog::set_default_logger(logger);
  spdlog::set_level(spdlog::level::from_str(cfg.log_level));
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v");
  // Resolved once: every announcement (id, membership, AC.OWNER) then names the same host.
  if (cfg.node_advertise.empty()) {
    auto choice = ac::choose_advertise_host("", cfg.node_host, ac::local_ipv4_interfaces());
    if (!choice.warning.empty())
      spdlog::warn("{}", choice.warning);
    cfg.node_advertise = choice.host;
  }
  ac::enable_tls_if_configured(cfg);
  if (cfg.node_clock_skew.count() != 0) {
    // Before any actor runs: every wall-clock stamp of this process is then off alike.
    ac::set_wall_clock_skew(
      std::chrono::duration_cast<std::chrono::milliseconds>(cfg.node_clock_skew));
    spdlog::warn("node.clock-skew: this node's wall clock reads {} ms off (a test setting)",
                 ac::wall_clock_skew().count());
  }
  // Every client connection is a descriptor: take the hard limit, not the shell's 1024.
  if (rlimit lim{}; ::getrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur < lim.rlim_max) {
    lim.rlim_cur = lim.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &lim);
  }
}

/// Written whole, then renamed: a script polling for the file never reads half a number.
void write_port(const std::string& path, uint16_t port) {
  if (path.empty())
    return;
  std::ofstream f{path + ".tmp"};
  f << port << "\n";
  f.close();
  std::rename((path + ".tmp").c_str(), path.c_str());
}

/// The cluster refused this node: exit 2 at once.
void exit_if_refused() {
  std::lock_guard<std::mutex> guard{refusal_mutex};
  if (!refusal.empty()) {
    std::cerr << "actorcache-node: refused by the cluster: " << refusal << "\n";
    spdlog::error("refused by the cluster: {}", refusal);
    spdlog::shutdown();
    std::cerr.flush();
    _exit(2); // never joined: nothing to drain or hand over, and no actor to wait for
  }
}

} // namespace

// Long: the node's lifetime in order; the sampler and the metrics HTTP server live on its stack.
int main(int argc, char** argv) {
  if (ac::asks_for_version(std::vector<std::string>(argv + (argc > 0 ? 1 : 0), argv + argc))) {
    std::cout << ac::version_line("actorcache-node") << "\n";
    return 0;
  }
  auto signals = block_stop_signals();
  ac::node_config cfg;
  if (auto code = load_config(cfg, argc, argv))
    return *code;
  prepare_process(cfg);
  caf::actor_system sys{cfg};
  auto published = ac::start_published_node(sys, cfg, refuse);
  if (!published) {
    spdlog::error("cannot listen on {}:{}: {}", cfg.node_host, cfg.node_port, published.error);
    return 2;
  }
  auto& node = published->handles;
  spdlog::info(
    "actorcache-node {} listening on {}:{}, announced as {}",
    cfg.node_id.empty() ? cfg.node_advertise + ":" + std::to_string(published->port) : cfg.node_id,
    cfg.node_host, published->port, cfg.node_advertise);
  if (published->resp)
    spdlog::info("Redis protocol (RESP) on {}:{}", cfg.node_host, published->resp->port());
  write_port(cfg.node_port_file, published->port);
  if (published->resp)
    write_port(cfg.resp_port_file, published->resp->port());

  auto ms = [](caf::timespan t) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(t);
  };
  ac::metrics_http_options http_opts;
  http_opts.max_connections = cfg.metrics_http_max_connections;
  http_opts.keep_alive =
    std::chrono::duration_cast<std::chrono::seconds>(cfg.metrics_http_keep_alive);
  http_opts.dashboard_interval = ms(cfg.metrics_dashboard_interval);
  // Peers are reached as membership reaches them: through the TLS manager with tls.enabled.
  auto connector = sys.has_openssl_manager() ? sys.openssl_manager().actor_handle()
                                             : sys.middleman().actor_handle();
  ac::cluster_sampler sampler{
    sys, node.front, connector, http_opts.dashboard_interval,
    std::min(ms(cfg.node_request_timeout), std::chrono::milliseconds(2000))};
  ac::metrics_http http{sys, node.metrics, http_opts}; // after the sampler: it serves from it
  if (cfg.metrics_http_port != 0) {
    sampler.start();
    http.serve_dashboard(&sampler);
    std::string why;
    if (!http.start(cfg.node_host, cfg.metrics_http_port, &why)) {
      spdlog::error("metrics.http-port: {}", why);
      node.stop();
      return 2;
    }
  }

  auto settings = ac::reloadable_of(cfg);
  int sig = 0;
  while (sigwait(&signals, &sig) == 0 && sig == SIGHUP)
    ac::reload_settings(argc, argv, settings, node.supervisor, node.metrics,
                        node.refresh_ahead.get());
  exit_if_refused();
  spdlog::info("signal {}: leaving the cluster and finishing in-flight requests", sig);
  ac::drain_and_leave(sys, *published, std::chrono::seconds(5));
  http.stop();
  sampler.stop();
  node.stop();
  if (published->resp)
    published->resp->close_all(); // what is still open waits for replies that will not come
  spdlog::info("stopped");
  return 0;
}
