// Publishing and shutdown of a node (see publish.hpp).
#include "node/publish.hpp"

#include "actors/stats_helpers.hpp"
#include "core/circuit_breaker.hpp"
#include "messages/kind_stats.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <thread>

#include <spdlog/spdlog.h>
#include <caf/all.hpp>
#include <caf/io/all.hpp>
#include <caf/openssl/all.hpp>
#include <caf/openssl/session.hpp>

namespace ac {

namespace {

/// A free port on `host` (bind to 0, read it back): the node must know its port before it
/// publishes, because its id defaults to host:port and membership announces the address.
uint16_t pick_free_port(const std::string& host) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0)
    return 0;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = 0;
  ::inet_pton(AF_INET, host.c_str(), &addr.sin_addr);
  uint16_t port = 0;
  socklen_t len = sizeof(addr);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0
      && ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0)
    port = ntohs(addr.sin_port);
  ::close(fd);
  return port;
}

/// Builds the TLS context the way CAF will for every connection, so a bad certificate, key or
/// CA file fails here, with the option named, instead of aborting the process (CAF throws from
/// its middleman at the first connection: "cannot load private key") after we already listen.
std::string check_tls_files(caf::actor_system& sys, const node_config& cfg) {
  try {
    caf::openssl::session probe{sys};
    if (probe.init())
      return {};
    return "tls: cannot create an SSL session from tls.cert-file, tls.key-file and tls.ca-file";
  } catch (const std::exception& e) {
    std::string what = e.what();
    if (what.find("private key") != std::string::npos)
      return "tls.key-file: " + what + " from '" + cfg.tls_key_file
             + "' (not an unencrypted PEM key, or not the key of tls.cert-file)";
    if (what.find("certificate") != std::string::npos && what.find("CA") == std::string::npos)
      return "tls.cert-file: " + what + " from '" + cfg.tls_cert_file + "' (not a PEM certificate)";
    if (what.find("CA") != std::string::npos)
      return "tls.ca-file: " + what + " from '" + cfg.tls_ca_file + "' (not a PEM CA bundle)";
    return "tls: " + what;
  }
}

/// What a leaving node waits for: loads in flight in the coalescers, computes running, and
/// writes not done at Redis yet. Those include the deletes Redis has not confirmed
/// (l1-when-down answers a DEL before Redis has it, and retries it on each sweep): lost with
/// the process, Redis would keep the deleted value for the next node to read back. Not while
/// the bridge's breaker is open, though: Redis is down, and the wait would only delay the exit.
int64_t work_in_flight(const node_report& rep) {
  bool redis_down = false;
  for (auto& a : rep.actors)
    redis_down |=
      a.kind == redis_bridge_stats::kind
      && stats_of<redis_bridge_stats>(a).breaker_state == static_cast<int64_t>(breaker_state::open);
  int64_t n = 0;
  for (auto& a : rep.actors) {
    n += stats_of<coalescer_stats>(a).in_flight + stats_of<compute_stats>(a).busy;
    auto shard = stats_of<shard_stats>(a);
    n += shard.bridge_writes + (redis_down ? 0 : shard.pending_deletes);
  }
  return n;
}

/// The deletes Redis has not confirmed, summed over the shards.
int64_t deletes_not_at_redis(const node_report& rep) {
  int64_t n = 0;
  for (auto& a : rep.actors)
    n += stats_of<shard_stats>(a).pending_deletes;
  return n;
}

/// Binds the RESP port (with TLS when the node uses it) before the actors exist, so the
/// port can be announced to the cluster.
std::string bind_resp(const node_config& cfg, published_node& node, node_overrides& overrides) {
  if (!cfg.resp_enabled) {
    spdlog::info("resp.enabled is false: no Redis-protocol port");
    return {};
  }
  std::unique_ptr<tls_server> tls;
  if (cfg.tls_enabled) {
    std::string why;
    tls = tls_server::make(cfg.tls_ca_file, cfg.tls_cert_file, cfg.tls_key_file, why);
    if (!tls)
      return why;
  }
  resp_listener_options ro;
  ro.loops = cfg.io_loops();
  ro.max_clients = cfg.resp_max_clients;
  ro.loop_hits = cfg.resp_loop_hits;
  node.resp = std::make_shared<resp_listener>(ro, std::move(tls));
  std::string why;
  if (!node.resp->bind(cfg.node_host, cfg.resp_port, why))
    return "resp.port: " + why;
  overrides.resp_port = node.resp->port();
  return {};
}

} // namespace

/// A node with seeds to join waits (at most one failure timeout) until it has met them before
/// it serves RESP clients: until then it would route as a cluster of one and compute keys
/// another member owns (a restarted member, answering for a few milliseconds as if alone, was
/// seen computing a key twice under a rolling restart). A seed that stays silent only delays
/// the start; a first node whose seeds are not up yet then serves alone.
void await_cluster(const node_config& cfg, const node_handles& h) {
  bool has_seeds = false;
  for (auto& seed : cfg.cluster_seeds)
    has_seeds |= !seed.empty();
  if (!has_seeds || !h.routes)
    return;
  auto deadline = std::chrono::steady_clock::now() + cfg.cluster_failure_timeout;
  while (h.routes->get()->ids.size() < 2 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  if (h.routes->get()->ids.size() < 2)
    spdlog::warn(
      "no seed answered within cluster.failure-timeout: serving clients as a cluster of one");
}

std::shared_ptr<resp_env> make_resp_env(const node_config& cfg, const node_handles& h,
                                        const std::string& id, uint16_t resp_port) {
  auto env = std::make_shared<resp_env>();
  env->node_id = id;
  env->node_host = cfg.advertised_host(); // AC.OWNER of a lone node names it
  env->resp_port = resp_port;
  env->cores = cfg.cores;
  env->io_loops = cfg.io_loops();
  env->scheduler_threads = cfg.scheduler_threads();
  env->shards = cfg.shards();
  env->front = h.front;
  env->leases = h.leases;
  env->routes = h.routes;
  env->password = cfg.resp_password;
  env->max_keys = cfg.resp_max_keys;
  env->max_key_bytes = cfg.cache_max_key_bytes;
  env->max_value_bytes = cfg.cache_max_value_bytes;
  env->default_ttl_s = static_cast<uint32_t>(
    std::chrono::duration_cast<std::chrono::seconds>(cfg.cache_default_ttl).count());
  env->max_pending_bytes = cfg.resp_max_pending_bytes;
  // A lookup may wait for L2 and a compute; the shard bounds those, this bounds the rest.
  env->request_timeout = std::chrono::duration_cast<std::chrono::milliseconds>(
    cfg.loader_timeout + cfg.redis_timeout * 4 + cfg.node_request_timeout);
  // A request's arguments: the largest value, and MSET / MGET of resp.max-keys keys.
  // Room above the value limit, so a value somewhat too large gets VALUETOOLARGE and the
  // connection stays; only a far larger declared bulk is a protocol error (memory bound).
  env->limits.max_bulk_bytes = std::max<size_t>(
    {2 * static_cast<size_t>(cfg.cache_max_value_bytes), cfg.cache_max_key_bytes, size_t{8} << 20});
  env->limits.max_args = 2 * static_cast<size_t>(cfg.resp_max_keys) + 16;
  // All of one request's arguments together: a few of the largest values, or an MSET of many
  // small ones; what one connection can make the node hold before it answers (Redis bounds a
  // client's query buffer the same way).
  env->limits.max_request_bytes =
    std::max<size_t>(size_t{64} << 20, 4 * env->limits.max_bulk_bytes);
  env->counters = std::make_shared<resp_counters>();
  env->errors = h.errors;
  return env;
}

void enable_tls_if_configured(node_config& cfg) {
  if (!cfg.tls_enabled)
    return;
  cfg.load<caf::openssl::manager>();
  cfg.set("openssl.certificate", cfg.tls_cert_file);
  cfg.set("openssl.key", cfg.tls_key_file);
  cfg.set("openssl.cafile", cfg.tls_ca_file);
}

publish_result start_published_node(caf::actor_system& sys, const node_config& cfg,
                                    std::function<void(const std::string&)> refused) {
  publish_result out;
  if (cfg.tls_enabled) {
    out.error = check_tls_files(sys, cfg);
    if (!out.error.empty())
      return out;
  }
  auto port = cfg.node_port;
  if (port == 0)
    port = pick_free_port(cfg.node_host);
  published_node node;
  node_overrides overrides;
  overrides.refused = std::move(refused);
  if (auto why = bind_resp(cfg, node, overrides); !why.empty()) {
    out.error = why;
    return out;
  }
  node.handles = spawn_node(sys, cfg, port, overrides);
  auto bound = cfg.tls_enabled
                 ? caf::openssl::publish(node.handles.front, port, cfg.node_host.c_str(), true)
                 : sys.middleman().publish(node.handles.front, port, cfg.node_host.c_str(), true);
  if (!bound) {
    out.error = sys.render(bound.error());
    node.handles.stop();
    return out;
  }
  node.port = *bound;
  await_cluster(cfg, node.handles);
  if (node.handles.warmer)
    // Joined (or alone): the first warming run reads the list this node saved before it
    // stopped; a join may have started that run already.
    caf::anon_send(node.handles.warmer, warm_atom::value, get_atom::value);
  if (node.resp) {
    auto id =
      cfg.node_id.empty() ? cfg.advertised_host() + ":" + std::to_string(node.port) : cfg.node_id;
    node.resp->start(sys, make_resp_env(cfg, node.handles, id, node.resp->port()));
    caf::anon_send(node.handles.metrics, update_atom::value, node.resp->stats_actor());
  }
  out.node = std::move(node);
  return out;
}

void drain_and_leave(caf::actor_system& sys, published_node& node,
                     std::chrono::milliseconds bound) {
  auto& h = node.handles;
  caf::scoped_actor self{sys};
  auto deadline = std::chrono::steady_clock::now() + bound;
  // 1. Stop accepting new connections (open ones stay, so their in-flight requests finish).
  if (sys.has_openssl_manager())
    caf::anon_send(sys.openssl_manager().actor_handle(), caf::unpublish_atom::value,
                   h.front.address(), node.port);
  else
    sys.middleman().unpublish(h.front, node.port);
  if (node.resp)
    node.resp->stop(); // sessions write the replies they owe, then close
  // 2. Tell the cluster: peers stop routing keys here.
  self->request(h.membership, std::chrono::seconds(1), leave_atom::value)
    .receive([](bool) {}, [](caf::error&) {});
  // 3. Finish what is in flight: loads in coalescers, computes, writes on their way to Redis.
  int64_t unsent_deletes = 0;
  while (std::chrono::steady_clock::now() < deadline) {
    bool idle = true;
    self->request(h.metrics, std::chrono::seconds(1), report_atom::value)
      .receive(
        [&](const node_report& rep) {
          idle = work_in_flight(rep) == 0;
          unsent_deletes = deletes_not_at_redis(rep);
        },
        [&](caf::error&) {});
    if (idle)
      break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  if (unsent_deletes > 0)
    spdlog::warn(
      "{} acknowledged deletes were not confirmed by Redis before the exit: Redis may "
      "still hold those keys (redis.write-policy=l1-when-down)",
      unsent_deletes);
  // 4. Write this node's warming list (its hottest L1 keys) to L2, so that it warms them when
  //    it starts again; bounded, as a slow Redis must not hold the exit up.
  if (h.warmer) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - std::chrono::steady_clock::now());
    auto bound_save =
      std::max(std::chrono::milliseconds(500), std::min(left, std::chrono::milliseconds(2000)));
    self->request(h.warmer, bound_save, warm_atom::value, put_atom::value)
      .receive(
        [](bool ok) {
          if (!ok)
            spdlog::info("warming: the list of this node's hot keys was not saved");
        },
        [](caf::error& err) {
          spdlog::info("warming: saving the list of this node's hot keys: {}", caf::to_string(err));
        });
  }
  // The leave messages go out asynchronously; give them a moment before the process exits.
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
}

} // namespace ac
