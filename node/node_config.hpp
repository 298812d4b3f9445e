// The node's options: every option of config/node.ini, also as a --group.option flag.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <caf/actor_system_config.hpp>
#include <caf/timespan.hpp>

#include "core/recommendations.hpp"

namespace ac {

/// The configuration of one node. Defaults here are the documented defaults of config/node.ini.
struct node_config : caf::actor_system_config {
  // -- node ---------------------------------------------------------------------
  std::string node_id;                 ///< name in the cluster; empty = host:port
  std::string node_host = "127.0.0.1"; ///< address to bind (and to announce, see node_advertise)
  std::string node_advertise; ///< host peers and clients are told; "" = see advertised_host()
  uint16_t node_port = 7101;  ///< 0 picks a free port
  std::string node_port_file; ///< receives the bound port
  uint64_t node_max_inflight = 100000; ///< requests in flight before `overloaded`
  uint32_t node_max_keys_per_request =
    10000; ///< keys one get_many may name (as resp.max-keys for MGET)
  caf::timespan node_request_timeout = std::chrono::seconds(5); ///< bound on internal requests
  caf::timespan node_clock_skew =
    std::chrono::seconds(0); ///< tests only: wall clock read this far off
  // -- resp (the Redis protocol edge) -----------------------------------------------
  bool resp_enabled = true;          ///< open the RESP port
  uint16_t resp_port = 0;            ///< 0 picks a free one (config/node.ini names 6391)
  std::string resp_port_file;        ///< receives the bound RESP port
  std::string resp_password;         ///< AUTH password; "" = none (never logged)
  uint32_t resp_max_keys = 10000;    ///< keys one command may name
  uint32_t resp_max_clients = 10000; ///< connections at once; more are refused
  uint32_t resp_io_threads = 0;      ///< I/O loops; 0 = io_loops() decides
  bool resp_loop_hits = true;        ///< loops answer idle connections' L1 hits themselves
  uint64_t resp_max_pending_bytes = 64ull << 20; ///< unread replies before a client is cut off
  // -- cache --------------------------------------------------------------------
  uint32_t cache_shards = 0;               ///< shard actors; 0 = `cores`
  uint64_t cache_max_bytes = 256ull << 20; ///< L1 byte budget of the node
  uint64_t cache_max_entries = 1000000;    ///< L1 entry budget of the node
  caf::timespan cache_default_ttl = std::chrono::seconds(300);
  caf::timespan cache_stale_ttl = std::chrono::seconds(0); ///< serve-stale window past TTL
  double cache_refresh_ahead =
    0.8; ///< share of a hot key's TTL after which a hit refreshes it; 0 = off
  uint32_t cache_max_key_bytes = 512;
  uint32_t cache_max_value_bytes = 1048576;
  std::string cache_policy = "wtinylfu"; ///< lru | wtinylfu
  caf::timespan cache_sweep_interval = std::chrono::seconds(1);
  // -- redis --------------------------------------------------------------------
  bool redis_enabled = false;
  std::string redis_host = "127.0.0.1";
  uint16_t redis_port = 6379;
  std::string redis_username; ///< ACL user (optional)
  std::string redis_password; ///< never logged
  int32_t redis_db = 0;
  std::string redis_key_prefix = "ac:";
  std::string redis_write_policy = "sync"; ///< sync | l1-when-down
  uint32_t redis_pool_size = 2;
  uint32_t redis_max_connections =
    20; ///< bound on connections to Redis (the original note's pool size)
  caf::timespan redis_keepalive_idle =
    std::chrono::seconds(60); ///< TCP keep-alive: silence before probes
  caf::timespan redis_keepalive_interval =
    std::chrono::seconds(30);         ///< TCP keep-alive: between probes
  uint32_t redis_keepalive_count = 3; ///< TCP keep-alive: unanswered probes that close it
  caf::timespan redis_timeout = std::chrono::milliseconds(200);
  uint32_t redis_batch_max = 128;
  caf::timespan redis_batch_wait = std::chrono::microseconds(0);
  /// How long a key Redis said it lacks reads as absent in L1 when nothing computes missing
  /// values (core/absent_marks); 0 = every such miss asks Redis.
  caf::timespan redis_absent_ttl = std::chrono::seconds(1);
  // -- loader -------------------------------------------------------------------
  std::string loader_kind = "none"; ///< none | synthetic | features | http
  std::string loader_url;           ///< http: the service, a template with {key}
  caf::timespan loader_http_timeout = std::chrono::seconds(10); ///< http: bound of one attempt
  uint32_t loader_retries = 2; ///< http: further attempts after errors or 5xx
  caf::timespan loader_cost = std::chrono::milliseconds(0);
  uint32_t loader_value_size = 100;
  uint32_t loader_workers = 0; ///< 0 = `cores`
  uint32_t loader_queue = 10000;
  bool loader_spin = false;
  std::string loader_fail_prefix;
  caf::timespan loader_timeout = std::chrono::seconds(30);
  caf::timespan loader_negative_ttl = std::chrono::seconds(0); ///< remember failed loads (0 = off)
  // -- cluster ------------------------------------------------------------------
  std::vector<std::string> cluster_seeds;
  caf::timespan cluster_heartbeat_interval = std::chrono::milliseconds(500);
  caf::timespan cluster_failure_timeout = std::chrono::seconds(3);
  caf::timespan cluster_hot_ttl = std::chrono::seconds(1); ///< near copies of peers' hot keys
  // -- warming ------------------------------------------------------------------
  bool warming_enabled = true;       ///< load owned hot keys from L2 on a join or heal
  uint32_t warming_max_keys = 16384; ///< most keys one warming run loads (and a saved list names)
  uint32_t warming_rate = 2000;      ///< most warming loads started per second
  caf::timespan warming_max_time = std::chrono::seconds(30); ///< a warming run stops after this
  /// How often a node writes its own warming list (its hottest L1 keys) to L2, for its restart
  /// to warm from; also once at a clean shutdown. 0 = no list.
  caf::timespan warming_save_interval = std::chrono::seconds(10);
  bool warming_predictive =
    true; ///< on a miss, warm the keys that usually follow it from L2 (bench/PREFETCH.md)
  uint64_t warming_predictive_keys =
    65536; ///< keys whose successors are remembered (64 B each + the key)
  uint32_t warming_predictive_successors = 2; ///< keys warmed per miss at most
  double warming_predictive_confidence =
    0.3; ///< share of a key's misses a successor must have followed
  uint32_t warming_predictive_window =
    4; ///< a miss counts as the successor of the last this-many misses
  // -- metrics, sizing, supervision ---------------------------------------------
  uint16_t metrics_http_port = 0;
  uint32_t metrics_http_max_connections = 256; ///< HTTP connections served at once (a thread each)
  caf::timespan metrics_http_keep_alive =
    std::chrono::seconds(2); ///< idle HTTP connections close after this
  caf::timespan metrics_dashboard_interval =
    std::chrono::seconds(2); ///< the dashboard samples the cluster this often
  caf::timespan metrics_interval = std::chrono::seconds(1);
  caf::timespan metrics_window =
    std::chrono::seconds(60); ///< rates, percentiles and advice: over the last this-long
  advice_thresholds advice;   ///< recommendations.*: where advice starts (reloaded on SIGHUP)
  caf::timespan sizing_interval = std::chrono::seconds(5); ///< at least 100ms (0 would spin)
  double sizing_cpu_target = 70;
  bool sizing_memory_rule = true; ///< apply the free-memory factor
  bool sizing_cpu_rule =
    true; ///< apply the machine-CPU factor (any busy process shrinks the cache)
  uint64_t sizing_base_bytes =
    0; ///< capacity at factor 1; 0 = cache.max-bytes (the rules can only shrink)
  uint32_t supervision_max_restarts = 5;
  caf::timespan supervision_window = std::chrono::seconds(60);
  // -- tls, log -----------------------------------------------------------------
  bool tls_enabled = false;
  std::string tls_ca_file, tls_cert_file, tls_key_file;
  std::string log_level = "info";

  node_config();

  /// Every option the node knows (CAF's and ours), for the strict config-file check.
  const caf::config_option_set& options() const { return custom_options_; }

  /// Parses the config file and the command line (CAF's parse), with `--flag=true/false` for
  /// boolean options, which CAF 0.17 reads only as bare flags (io/cli_args boolean_values);
  /// returns why it failed, or "". Used at start and by the SIGHUP reload alike.
  std::string parse_command_line(int argc, char** argv);

  /// Checks values CAF cannot (ranges, names, files); returns a message naming the option, or "".
  std::string validate();

  /// parse_command_line, then what a program taking no positional words checks: help printed,
  /// a stray word, validate(). Nullopt to go on; else the exit code (0 after --help, 2 after
  /// `program: why` on stderr). The node and the in-process benchmark start the same way.
  std::optional<int> load_command_line(int argc, char** argv, const std::string& program);

  /// The cores this node sizes its threads by, read once at construction: online cores, fewer
  /// under an affinity mask or a cgroup CPU quota (io/proc_readers read_usable_cores).
  uint32_t cores = 1;

  /// Effective values after validate(): shards and workers with 0 resolved to `cores`, and the
  /// RESP I/O loops with 0 resolved by core/sizing_rules default_io_loops.
  uint32_t shards() const;
  uint32_t workers() const;
  uint32_t io_loops() const;
  /// CAF scheduler threads: --scheduler.max-threads, else core/sizing_rules
  /// default_scheduler_threads(cores).
  uint32_t scheduler_threads() const;

  /// The host this node announces (ids, membership, AC.OWNER): node.advertise when set, else
  /// node.host, else for a wildcard node.host the machine's first non-loopback IPv4 address.
  /// actorcache-node resolves it once at start (and logs a fallback) into node_advertise.
  std::string advertised_host() const;
};

} // namespace ac
