// The synchronous C++ client of an actorcache cluster: what a program includes and links (actorcache_client).
//
//   #include <actorcache/client.hpp>
//
//   ac::client cache{{"10.0.0.5:7101"}, std::chrono::seconds(5)};  // node.port (CAF), any member
//   cache.put("k", "v", 300);                                      // ttl 300 s (0: the default)
//   std::optional<std::string> v = cache.get("k");                 // nullopt: a miss
//   std::string f = cache.get_or_compute("feat:42", [] { return extract(); }, 300);
//
// This header needs only the standard library. Every method blocks the calling thread (at most
// about twice the timeout: one request and its one retry; get_or_compute waits for a lease
// holder too) and may be called from many threads at once. Failures throw ac::client_error.
// The library logs through its own spdlog logger, "actorcache" (made on first use with the
// default logger's sinks and level): spdlog::get("actorcache")->set_level(...) tunes it alone.
//
// Programs that are CAF actors themselves use the actor-level pieces this facade is built on,
// installed beside this header (clients/cpp/README.md shows them): discover_cluster and
// spawn_directory (cluster_directory.hpp), cluster_client inside an actor's state, with its own
// get_or_compute (cluster_client.hpp), and run_one_shot (one_shot.hpp) for one routed request.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace ac {

/// What a failed call throws. code() names the reason: one of the node's error names
/// ("key_too_long", "value_too_large", "empty_key", "overloaded", "unavailable", "l2_error",
/// "bad_request", "stale_lease", ...), "timeout" when no answer came in time, or
/// "unreachable" when no node could be reached.
class client_error : public std::runtime_error {
public:
  client_error(std::string code, const std::string& message)
    : std::runtime_error(message), code_(std::move(code)) {}
  const std::string& code() const noexcept { return code_; }

private:
  std::string code_;
};

/// A connection to a cluster: it learns the members from the first reachable seed, routes
/// each key to its owner, fails over when a member dies, and keeps its connections until it
/// is destroyed. Plain TCP only (no TLS, no RESP password).
class client {
public:
  /// `seeds`: "host:port" of one or more nodes' CAF ports (node.port, what actorcache-client
  /// --node takes), not their RESP ports; any member will do. `timeout` bounds every request
  /// and connect. Throws client_error ("unreachable") when no seed answers within it.
  explicit client(std::vector<std::string> seeds,
                  std::chrono::milliseconds timeout = std::chrono::seconds(5));
  ~client();

  client(const client&) = delete;
  client& operator=(const client&) = delete;

  /// The value of `key`, or nullopt when the cluster has none (a node's loader, when one is
  /// configured, may compute it: reads go through).
  std::optional<std::string> get(const std::string& key);

  /// The values of `keys` in their order (nullopt for a miss): one request per owner.
  std::vector<std::optional<std::string>> get_many(const std::vector<std::string>& keys);

  /// Stores `value` (bytes) under `key` for `ttl_seconds` (0: the node's cache.default-ttl).
  /// Returns once the owner acknowledged it; a node that stored it in L1 only
  /// (redis.write-policy=l1-when-down while Redis is down) is logged as a warning (spdlog).
  void put(const std::string& key, const std::string& value, uint32_t ttl_seconds = 0);

  /// Removes `key`; true when it was there.
  bool erase(const std::string& key);

  /// The value of `key`; when it is missing, exactly one caller in the whole cluster runs
  /// `compute` and every concurrent caller of the key gets its result. Uses the nodes' RESP
  /// ports (AC.GETORLEASE, AC.FILL, AC.ABANDON), found in the member list. An exception from
  /// `compute` gives up the lease (a waiting caller computes instead) and is rethrown here. A
  /// holder that dies or takes longer than `lease_ms` loses the lease to a waiter; this call
  /// waits up to 3 x lease_ms + the timeout for a holder before it. `ttl_seconds` 0: the
  /// node's default.
  std::string get_or_compute(const std::string& key, const std::function<std::string()>& compute,
                             uint32_t ttl_seconds = 0, uint32_t lease_ms = 30000);

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

} // namespace ac
