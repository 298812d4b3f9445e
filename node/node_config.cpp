// Declares the node's options (see node_config.hpp) and validates their values.
#include "node/node_config.hpp"

#include <algorithm>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>

#include <caf/atom.hpp>

#include "actors/http_loader.hpp"
#include "actors/loader.hpp"
#include "core/eviction_policy.hpp"
#include "core/host_port.hpp"
#include "core/sizing_rules.hpp"
#include "io/cli_args.hpp"
#include "io/proc_readers.hpp"
#include "messages/register_types.hpp"
#include "node/local_interfaces.hpp"

namespace ac {

namespace {

/// A number as a user wrote it (1.5, not 1.500000), for error messages.
std::string shortest(double x) {
  std::ostringstream out;
  out << x;
  return out.str();
}

} // namespace

// Long on purpose: the table of every option (name, default, help), as the docs list them.
node_config::node_config() {
  opt_group{custom_options_, "node"}
    .add(node_id, "id", "name of the node in the cluster (default host:port)")
    .add(
      node_host, "host",
      "address to bind (0.0.0.0: every interface) and, unless node.advertise is set, to announce")
    .add(node_advertise, "advertise",
         "host (IP or name) peers and clients are told to use; default node.host, or for a "
         "wildcard node.host the first non-loopback IPv4 address of the machine")
    .add(node_port, "port", "port to listen on; 0 picks a free one")
    .add(node_port_file, "port-file", "after binding, write the port here")
    .add(node_max_inflight, "max-inflight", "requests in flight before 'overloaded'")
    .add(node_max_keys_per_request, "max-keys-per-request",
         "keys one get_many (CAF client or peer) may name; beyond it bad_request, nothing done")
    .add(node_request_timeout, "request-timeout", "bound on requests between actors")
    .add(node_clock_skew, "clock-skew",
         "for tests: pretend the wall clock is off by this much (e.g. -10min); TTLs and "
         "heartbeats must not care");
  opt_group{custom_options_, "resp"}
    .add(resp_enabled, "enabled", "open the Redis-protocol (RESP2) port")
    .add(resp_port, "port", "RESP port; 0 picks a free one")
    .add(resp_port_file, "port-file", "after binding, write the RESP port here")
    .add(resp_password, "password", "clients must AUTH with this password (none when empty)")
    .add(resp_max_keys, "max-keys", "keys one command may name; beyond it an error, nothing done")
    .add(resp_max_clients, "max-clients", "connections at once; more are refused")
    .add(resp_io_threads, "io-threads",
         "I/O loops watching client sockets; 0 = one per usable core but one (1 to 8)")
    .add(resp_loop_hits, "loop-hits",
         "an I/O loop answers the GET/MGET L1 hits of an idle connection itself (no actor hop)")
    .add(resp_max_pending_bytes, "max-pending-bytes",
         "reply bytes a client may leave unread before it is disconnected");
  opt_group{custom_options_, "cache"}
    .add(
      cache_shards, "shards",
      "shard actors; 0 = the cores the node may use (its affinity mask and cgroup CPU quota count)")
    .add(cache_max_bytes, "max-bytes", "L1 byte budget of the node")
    .add(cache_max_entries, "max-entries", "L1 entry budget of the node")
    .add(cache_default_ttl, "default-ttl", "TTL when a put names none")
    .add(cache_stale_ttl, "stale-ttl", "how long past its TTL a value may be served stale")
    .add(
      cache_refresh_ahead, "refresh-ahead",
      "share of its TTL after which a read of a hot key refreshes it in the background, once (0 = off)")
    .add(cache_max_key_bytes, "max-key-bytes", "longer keys are refused")
    .add(cache_max_value_bytes, "max-value-bytes", "larger values are refused")
    .add(cache_policy, "policy", "eviction policy: lru or wtinylfu")
    .add(cache_sweep_interval, "sweep-interval", "how often shards drop expired entries");
  opt_group{custom_options_, "redis"}
    .add(redis_enabled, "enabled", "use Redis as L2")
    .add(redis_host, "host", "L2 server host")
    .add(redis_port, "port", "L2 server port")
    .add(redis_username, "username", "ACL user (optional)")
    .add(redis_password, "password", "AUTH password (optional)")
    .add(redis_db, "db", "database number")
    .add(redis_key_prefix, "key-prefix", "prefix of every key the node writes")
    .add(redis_write_policy, "write-policy",
         "sync: puts and deletes wait for Redis and are refused while it is down; l1-when-down: "
         "puts acknowledged as stored in L1 only, deletes remembered until Redis has them")
    .add(redis_pool_size, "pool-size",
         "connections to Redis, one worker each (at most max-connections)")
    .add(redis_max_connections, "max-connections", "bound on connections this node opens to Redis")
    .add(redis_keepalive_idle, "keepalive-idle",
         "TCP keep-alive: idle time before the first probe (whole seconds)")
    .add(redis_keepalive_interval, "keepalive-interval",
         "TCP keep-alive: time between probes (whole seconds)")
    .add(redis_keepalive_count, "keepalive-count",
         "TCP keep-alive: unanswered probes before the connection is closed")
    .add(redis_timeout, "timeout", "bound on one Redis round trip")
    .add(redis_batch_max, "batch-max", "most keys per pipelined MGET")
    .add(redis_batch_wait, "batch-wait", "extra wait for a batch to fill (0 = none)")
    .add(redis_absent_ttl, "absent-ttl",
         "with no loader: a key Redis said it lacks reads as absent this long, until written "
         "(0 = ask Redis every time)");
  opt_group{custom_options_, "loader"}
    .add(loader_kind, "kind", "none, synthetic, features or http")
    .add(loader_cost, "cost", "synthetic: time one compute takes")
    .add(loader_value_size, "value-size", "synthetic: bytes of each value")
    .add(loader_workers, "workers", "concurrent computes; 0 = the cores the node may use")
    .add(loader_queue, "queue", "computes waiting for a worker before 'overloaded'")
    .add(loader_spin, "spin", "synthetic: burn CPU instead of sleeping")
    .add(loader_fail_prefix, "fail-prefix", "synthetic: keys with this prefix fail (drills)")
    .add(loader_timeout, "timeout", "bound on one compute")
    .add(loader_negative_ttl, "negative-ttl",
         "answer a failed key's error again for this long; 0 = off")
    .add(loader_url, "url", "http loader: the service's URL, a template with {key}")
    .add(loader_http_timeout, "http-timeout", "http loader: bound of one request")
    .add(loader_retries, "retries", "http loader: further attempts after transport errors or 5xx");
  opt_group{custom_options_, "cluster"}
    .add(cluster_seeds, "seeds", "members to join, e.g. [\"127.0.0.1:7101\"]")
    .add(cluster_heartbeat_interval, "heartbeat-interval", "time between heartbeats")
    .add(cluster_failure_timeout, "failure-timeout", "a silent member is down after this")
    .add(cluster_hot_ttl, "hot-ttl", "life of near copies of other nodes' hot keys; 0 = none");
  opt_group{custom_options_, "warming"}
    .add(warming_enabled, "enabled",
         "on a join or a heal, load the hot keys this node owns from L2 before clients ask")
    .add(warming_max_keys, "max-keys", "most keys one warming run loads (the hottest first)")
    .add(warming_rate, "rate", "most warming loads started per second, so live traffic keeps L2")
    .add(warming_max_time, "max-time", "a warming run stops after this")
    .add(warming_save_interval, "save-interval",
         "how often a node writes its hottest L1 keys to L2 (and at a clean shutdown), so that it "
         "warms them after a restart; 0 = never")
    .add(warming_predictive, "predictive",
         "on a miss, warm from L2 the keys that usually followed it (needs redis.enabled)")
    .add(warming_predictive_keys, "predictive-keys", "keys whose successors are remembered")
    .add(warming_predictive_successors, "predictive-successors",
         "keys warmed per miss at most (1..6)")
    .add(warming_predictive_confidence, "predictive-confidence",
         "share of a key's misses a successor must have followed (0..1)")
    .add(warming_predictive_window, "predictive-window",
         "a miss counts as the successor of the last this-many misses (1..16)");
  opt_group{custom_options_, "metrics"}
    .add(metrics_http_port, "http-port", "Prometheus /metrics and /dashboard port; 0 = off")
    .add(metrics_http_max_connections, "http-max-connections",
         "HTTP connections served at once, a thread each; more wait for one to close")
    .add(metrics_http_keep_alive, "http-keep-alive",
         "an idle HTTP keep-alive connection is closed after this (>= 1s)")
    .add(metrics_dashboard_interval, "dashboard-interval",
         "how often /dashboard samples every member")
    .add(metrics_interval, "interval", "how often metrics pulls counters")
    .add(metrics_window, "window",
         "rates, percentiles and advice describe this last stretch of time");
  opt_group{custom_options_, "recommendations"}
    .add(advice.min_hit_rate, "min-hit-rate", "advise below this hit rate (0..1)")
    .add(advice.max_latency_ms, "max-latency-ms", "advise above this mean lookup latency (ms)")
    .add(advice.max_error_rate, "max-error-rate", "advise above this error rate (0..1)")
    .add(advice.high_usage, "high-usage", "memory use (of capacity) called near capacity (0..1)")
    .add(advice.warn_usage, "warn-usage", "memory use (of capacity) called high (0..1)")
    .add(advice.low_usage, "low-usage",
         "memory use (of capacity) under which a busy, healthy cache could shrink (0..1)");
  opt_group{custom_options_, "sizing"}
    .add(sizing_interval, "interval", "how often the sizing supervisor re-sizes")
    .add(sizing_cpu_target, "cpu-target", "CPU utilization (percent) sizing aims at")
    .add(sizing_memory_rule, "memory-rule",
         "shrink the cache when the machine has little free memory")
    .add(sizing_cpu_rule, "cpu-rule",
         "shrink the cache when the machine's CPU is busy, grow it when idle")
    .add(sizing_base_bytes, "base-bytes",
         "capacity the rules start from; 0 = cache.max-bytes, the hard cap they never exceed");
  opt_group{custom_options_, "supervision"}
    .add(supervision_max_restarts, "max-restarts", "restarts within the window before 'degraded'")
    .add(supervision_window, "window", "window of max-restarts");
  opt_group{custom_options_, "tls"}
    .add(tls_enabled, "enabled", "mutual TLS for all remoting")
    .add(tls_ca_file, "ca-file", "PEM CA that signs every member and client")
    .add(tls_cert_file, "cert-file", "PEM certificate of this node")
    .add(tls_key_file, "key-file", "PEM private key of this node");
  opt_group{custom_options_, "log"}.add(log_level, "level", "trace, debug, info, warn, error");
  // Latency on small machines: the sharing scheduler wakes idle workers at once (see
  // docs/caf-0.17-notes: work stealing sleeps in 50 us steps). Users may override both.
  set("scheduler.policy", caf::atom("sharing"));
  // One worker per core, 2 to 4 (core/sizing_rules default_scheduler_threads says why not
  // more). Client traffic arrives on the RESP port, whose sessions parse and write on the
  // workers (CAF's multiplexer carries only peer traffic). With cores-1 (the old setting,
  // right when the multiplexer did the client I/O) the RESP path ran on one worker on 2 cores:
  // 643-666k lookups/s at 50 x 16 against 750-830k with 2.
  cores = read_usable_cores();
  set("scheduler.max-threads", static_cast<size_t>(default_scheduler_threads(cores)));
  register_types(*this);
}

std::string node_config::parse_command_line(int argc, char** argv) {
  auto option = [this](std::string_view n) {
    return custom_options_.cli_long_name_lookup(caf::string_view{n.data(), n.size()});
  };
  auto bools = boolean_values(std::vector<std::string>(argv + (argc > 0 ? 1 : 0), argv + argc),
                              [&](std::string_view n) {
                                const auto* o = option(n);
                                return o != nullptr && o->is_flag();
                              });
  if (!bools.error.empty())
    return bools.error;
  if (auto err = parse(bools.args))
    return render(err);
  for (const auto& name : bools.falses) // after the file and the command line: false wins
    option(name)->store(caf::config_value{false});
  return {};
}

std::optional<int> node_config::load_command_line(int argc, char** argv,
                                                  const std::string& program) {
  if (auto msg = parse_command_line(argc, argv); !msg.empty()) {
    std::cerr << program << ": " << msg << "\n";
    return 2;
  }
  if (cli_helptext_printed)
    return 0;
  if (!remainder.empty()) {
    std::cerr << program << ": unexpected argument '" << remainder.front() << "'\n";
    return 2;
  }
  if (auto msg = validate(); !msg.empty()) {
    std::cerr << program << ": bad option " << msg << "\n";
    return 2;
  }
  return std::nullopt;
}

// Long on purpose: one short check per rule on the options, in the order of the table above.
std::string node_config::validate() {
  auto known_level = log_level == "trace" || log_level == "debug" || log_level == "info"
                     || log_level == "warn" || log_level == "error" || log_level == "off";
  if (!known_level)
    return "log.level: unknown level '" + log_level + "'";
  auto names = policy_names();
  if (std::find(names.begin(), names.end(), cache_policy) == names.end())
    return "cache.policy: unknown policy '" + cache_policy + "' (lru, wtinylfu)";
  if (!node_advertise.empty())
    if (auto why = advertise_host_problem(node_advertise); !why.empty())
      return "node.advertise: " + why;
  if (!known_loader_kind(loader_kind))
    return "loader.kind: unknown loader '" + loader_kind + "' (none, synthetic, features, http)";
  if (loader_kind == "http")
    if (auto why = check_http_url(loader_url); !why.empty())
      return "loader.url: " + why;
  if (redis_write_policy != "sync" && redis_write_policy != "l1-when-down")
    return "redis.write-policy: must be sync or l1-when-down (got '" + redis_write_policy + "')";
  if (node_max_keys_per_request == 0)
    return "node.max-keys-per-request: must be at least 1";
  if (warming_max_keys < 1 || warming_max_keys > 1000000)
    return "warming.max-keys: must be between 1 and 1000000";
  if (warming_rate < 1)
    return "warming.rate: must be at least 1 key per second";
  if (warming_max_time.count() <= 0)
    return "warming.max-time: must be positive";
  if (warming_save_interval.count() < 0)
    return "warming.save-interval: must not be negative";
  if (resp_max_keys == 0)
    return "resp.max-keys: must be at least 1";
  if (resp_max_clients == 0)
    return "resp.max-clients: must be at least 1";
  if (resp_io_threads > 64)
    return "resp.io-threads: at most 64";
  if (cache_max_bytes < 4096)
    return "cache.max-bytes: must be at least 4096";
  if (cache_max_entries == 0)
    return "cache.max-entries: must be at least 1";
  if (cache_max_key_bytes == 0)
    return "cache.max-key-bytes: must be at least 1";
  if (cache_shards > 1024)
    return "cache.shards: at most 1024";
  if (loader_negative_ttl.count() < 0)
    return "loader.negative-ttl: must not be negative";
  if (redis_absent_ttl.count() < 0)
    return "redis.absent-ttl: must not be negative";
  if (cache_default_ttl.count() < 0 || cache_stale_ttl.count() < 0)
    return "cache.default-ttl / cache.stale-ttl: must not be negative";
  if (!(cache_refresh_ahead >= 0 && cache_refresh_ahead < 1))
    return "cache.refresh-ahead: must be at least 0 and below 1 (a share of the TTL; 0 = off), got "
           + shortest(cache_refresh_ahead);
  if (redis_enabled && redis_pool_size == 0)
    return "redis.pool-size: must be at least 1";
  if (redis_db < 0)
    return "redis.db: must not be negative";
  // A zero interval would re-arm its timer at once: a busy loop writing a log line each turn.
  if (sizing_interval < std::chrono::milliseconds(100))
    return "sizing.interval: must be at least 100ms (got "
           + std::to_string(
             std::chrono::duration_cast<std::chrono::milliseconds>(sizing_interval).count())
           + "ms)";
  if (redis_max_connections == 0)
    return "redis.max-connections: must be at least 1";
  if (redis_pool_size > redis_max_connections)
    return "redis.pool-size: " + std::to_string(redis_pool_size)
           + " connections exceed redis.max-connections=" + std::to_string(redis_max_connections);
  if (redis_keepalive_idle < std::chrono::seconds(1)
      || redis_keepalive_interval < std::chrono::seconds(1))
    return "redis.keepalive-idle, redis.keepalive-interval: must be at least 1s";
  if (redis_keepalive_count == 0 || redis_keepalive_count > 127)
    return "redis.keepalive-count: must be 1..127";
  if (sizing_base_bytes > cache_max_bytes)
    return "sizing.base-bytes: must not exceed cache.max-bytes (the hard cap)";
  if (sizing_base_bytes != 0 && sizing_base_bytes < 4096)
    return "sizing.base-bytes: must be 0 or at least 4096";
  if (metrics_window < std::chrono::seconds(1))
    return "metrics.window: must be at least 1s";
  if (warming_predictive_keys < 16 || warming_predictive_keys > (1ull << 24))
    return "warming.predictive-keys: must be 16..16777216";
  if (warming_predictive_successors < 1 || warming_predictive_successors > 6)
    return "warming.predictive-successors: must be 1..6 (a key remembers 6)";
  if (!(warming_predictive_confidence >= 0 && warming_predictive_confidence <= 1))
    return "warming.predictive-confidence: must be between 0 and 1";
  if (warming_predictive_window < 1 || warming_predictive_window > 16)
    return "warming.predictive-window: must be 1..16";
  for (auto [name, v] :
       {std::pair{"min-hit-rate", advice.min_hit_rate},
        std::pair{"max-error-rate", advice.max_error_rate},
        std::pair{"high-usage", advice.high_usage}, std::pair{"warn-usage", advice.warn_usage},
        std::pair{"low-usage", advice.low_usage}})
    if (!(v >= 0 && v <= 1))
      return std::string{"recommendations."} + name + ": must be between 0 and 1";
  if (!(advice.max_latency_ms > 0))
    return "recommendations.max-latency-ms: must be positive";
  if (!(advice.low_usage < advice.warn_usage && advice.warn_usage < advice.high_usage))
    return "recommendations: low-usage < warn-usage < high-usage must hold";
  if (metrics_interval < std::chrono::milliseconds(10))
    return "metrics.interval: must be at least 10ms";
  if (metrics_dashboard_interval < std::chrono::milliseconds(100))
    return "metrics.dashboard-interval: must be at least 100ms";
  if (metrics_http_keep_alive < std::chrono::seconds(1))
    return "metrics.http-keep-alive: must be at least 1s (httplib counts whole seconds)";
  if (metrics_http_max_connections == 0)
    return "metrics.http-max-connections: must be at least 1";
  if (cluster_failure_timeout <= cluster_heartbeat_interval)
    return "cluster.failure-timeout: must exceed cluster.heartbeat-interval";
  for (auto& s : cluster_seeds)
    if (!parse_host_port(s))
      return "cluster.seeds: '" + s + "' is not host:port";
  if (tls_enabled) {
    const std::pair<const char*, const std::string*> files[] = {{"tls.ca-file", &tls_ca_file},
                                                                {"tls.cert-file", &tls_cert_file},
                                                                {"tls.key-file", &tls_key_file}};
    for (auto& [name, path] : files)
      if (path->empty() || !std::ifstream{*path})
        return std::string{name} + ": must name a readable PEM file (got '" + *path + "')";
  }
  return {};
}

uint32_t node_config::shards() const { return cache_shards != 0 ? cache_shards : cores; }

uint32_t node_config::io_loops() const {
  return resp_io_threads != 0 ? resp_io_threads : default_io_loops(cores);
}

std::string node_config::advertised_host() const {
  if (!node_advertise.empty())
    return node_advertise;
  if (!is_wildcard_host(node_host))
    return node_host;
  return choose_advertise_host(node_advertise, node_host, local_ipv4_interfaces()).host;
}

uint32_t node_config::scheduler_threads() const {
  return static_cast<uint32_t>(
    caf::get_or(*this, "scheduler.max-threads", size_t{default_scheduler_threads(cores)}));
}

uint32_t node_config::workers() const { return loader_workers != 0 ? loader_workers : cores; }

} // namespace ac
