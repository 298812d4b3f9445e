// Spawns and wires the actors of one node (see node_wiring.hpp).
#include "node/node_wiring.hpp"

#include <spdlog/spdlog.h>
#include <caf/io/middleman.hpp>
#include <caf/openssl/manager.hpp>
#include <caf/scoped_actor.hpp>

#include "actors/compute.hpp"
#include "actors/front.hpp"
#include "actors/front_gate.hpp"
#include "actors/lease_keeper.hpp"
#include "actors/membership.hpp"
#include "actors/metrics.hpp"
#include "actors/redis_bridge.hpp"
#include "actors/shard.hpp"
#include "actors/sizing_supervisor.hpp"
#include "actors/warmer.hpp"
#include "io/proc_readers.hpp"

namespace ac {

namespace {

template <class Rep, class Period>
std::chrono::milliseconds ms(std::chrono::duration<Rep, Period> d) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(d);
}

/// A shard's bound on one load (the front hands a key over for as long): the loader's timeout
/// and four Redis round trips.
std::chrono::milliseconds load_timeout(const node_config& cfg) {
  return ms(cfg.loader_timeout) + ms(cfg.redis_timeout) * 4;
}

redis_bridge_config bridge_config(const node_config& cfg) {
  redis_bridge_config bc;
  bc.redis.host = cfg.redis_host;
  bc.redis.port = cfg.redis_port;
  bc.redis.username = cfg.redis_username;
  bc.redis.password = cfg.redis_password;
  bc.redis.db = cfg.redis_db;
  bc.redis.timeout = ms(cfg.redis_timeout);
  bc.redis.key_prefix = cfg.redis_key_prefix;
  bc.pool_size = std::min(cfg.redis_pool_size, cfg.redis_max_connections);
  bc.redis.keepalive_idle =
    std::chrono::duration_cast<std::chrono::seconds>(cfg.redis_keepalive_idle);
  bc.redis.keepalive_interval =
    std::chrono::duration_cast<std::chrono::seconds>(cfg.redis_keepalive_interval);
  bc.redis.keepalive_count = static_cast<int>(cfg.redis_keepalive_count);
  bc.batch_max = cfg.redis_batch_max;
  bc.batch_wait = std::chrono::duration_cast<std::chrono::microseconds>(cfg.redis_batch_wait);
  return bc;
}

} // namespace

void node_handles::stop() {
  auto bye = [](const auto& h) {
    if (h)
      caf::anon_send_exit(h, caf::exit_reason::user_shutdown);
  };
  bye(front);
  bye(control);
  bye(leases);
  for (auto& s : shards)
    bye(s);
  bye(metrics);
  bye(membership);
  bye(bridge);
  bye(compute);
  bye(supervisor);
  bye(warmer);
}

namespace {

/// What one step of spawn_node hands on to later ones (besides the handles in node_handles).
struct node_parts {
  std::string id;
  std::string host;
  std::chrono::seconds default_ttl{0};
  uint32_t shards = 0;
  redis_bridge_config bc;
  compute_config cc;
  std::shared_ptr<loader> impl;
  std::shared_ptr<prefetch_model> prefetch;
  std::vector<shard_config> shard_configs;
  std::vector<std::shared_ptr<shard_store>> stores;
};

// -- miss path -------------------------------------------------------------------

/// L2 (when enabled) and the loader's compute actor (when a loader is configured).
void spawn_miss_path(caf::actor_system& sys, const node_config& cfg,
                     const node_overrides& overrides, node_handles& h, node_parts& p) {
  p.bc = bridge_config(cfg);
  if (cfg.redis_enabled) {
    h.bridge = sys.spawn(redis_bridge, p.bc);
  } else {
    spdlog::info("redis.enabled is false: no L2, lookups use L1 and the loader only");
  }
  loader_options lo;
  lo.kind = cfg.loader_kind;
  lo.cost = ms(cfg.loader_cost);
  lo.spin = cfg.loader_spin;
  lo.value_size = cfg.loader_value_size;
  lo.fail_prefix = cfg.loader_fail_prefix;
  lo.url = cfg.loader_url;
  lo.http_timeout = ms(cfg.loader_http_timeout);
  lo.http_retries = cfg.loader_retries;
  lo.ttl_seconds = static_cast<uint32_t>(p.default_ttl.count());
  lo.node_id = p.id;
  std::string why;
  p.impl = overrides.custom_loader ? overrides.custom_loader : make_loader(lo, &why);
  if (p.impl) {
    p.cc.impl = p.impl;
    p.cc.workers = cfg.workers();
    p.cc.max_queue = cfg.loader_queue;
    p.cc.timeout = ms(cfg.loader_timeout);
    h.compute = sys.spawn(compute, p.cc); // a copy: the supervisor restarts it from p.cc
  }
}

// -- L1 --------------------------------------------------------------------------

/// One model per node, shared by its shards (actors/prefetch_model.hpp); warming reads L2 only.
std::shared_ptr<prefetch_model> make_prefetch(const node_config& cfg, const node_handles& h) {
  if (!cfg.warming_predictive || !h.bridge)
    return nullptr;
  prefetch_model_options po;
  po.k = cfg.warming_predictive_successors;
  po.min_confidence = cfg.warming_predictive_confidence;
  po.tracked_keys = cfg.warming_predictive_keys;
  po.window = cfg.warming_predictive_window;
  return std::make_shared<prefetch_model>(po);
}

/// Shard i of n: its share of the node's budget and the node's handles it needs.
shard_config shard_config_for(const node_config& cfg, const node_overrides& overrides,
                              const node_handles& h, const node_parts& p, uint32_t i, uint32_t n) {
  shard_config sc;
  sc.index = i;
  sc.store.max_bytes = std::max<uint64_t>(cfg.cache_max_bytes / n, 1024);
  sc.store.max_entries = std::max<uint64_t>(cfg.cache_max_entries / n, 1);
  sc.store.default_ttl = p.default_ttl;
  sc.store.stale_ttl = std::chrono::duration_cast<std::chrono::seconds>(cfg.cache_stale_ttl);
  sc.store.policy = cfg.cache_policy;
  sc.max_value_bytes = cfg.cache_max_value_bytes;
  sc.sweep_interval = ms(cfg.cache_sweep_interval);
  sc.load_timeout = load_timeout(cfg);
  sc.negative_ttl = ms(cfg.loader_negative_ttl);
  sc.absent_ttl = h.bridge ? ms(cfg.redis_absent_ttl) : std::chrono::milliseconds{0};
  sc.has_loader = h.bridge || h.compute;
  sc.bridge = h.bridge;
  sc.write_sync = cfg.redis_write_policy == "sync";
  sc.compute = h.compute;
  sc.max_backlog = cfg.node_max_inflight / n;
  sc.shared = std::make_shared<shard_store>();
  if (overrides.clock)
    sc.shared->clock = overrides.clock;
  sc.routes = h.routes;
  sc.hot_ttl = ms(cfg.cluster_hot_ttl);
  // Room for twice the warming list's share: Space-Saving ranks the top k well with 2k counters.
  sc.warm_capacity = std::max<size_t>(64, size_t{2} * cfg.warming_max_keys / n);
  sc.refresh_ahead = h.refresh_ahead;
  sc.prefetch = p.prefetch;
  return sc;
}

void spawn_shards(caf::actor_system& sys, const node_config& cfg, const node_overrides& overrides,
                  node_handles& h, node_parts& p) {
  auto n = p.shards = cfg.shards();
  h.routes = std::make_shared<route_view>();
  h.refresh_ahead = std::make_shared<std::atomic<double>>(cfg.cache_refresh_ahead);
  p.prefetch = make_prefetch(cfg, h);
  for (uint32_t i = 0; i < n; ++i) {
    auto sc = shard_config_for(cfg, overrides, h, p, i, n);
    p.stores.push_back(sc.shared);
    p.shard_configs.push_back(sc);
    h.shards.push_back(sys.spawn(shard, std::move(sc)));
  }
  // Until the front publishes its first view, the RESP edge routes with this one: this node
  // alone and its shards (a GET that came first would find no shard to go to).
  auto first = std::make_shared<route_snapshot>();
  first->self = p.id;
  first->shards = h.shards;
  first->stores = p.stores;
  h.routes->set(std::move(first));
}

// -- entry, membership, metrics ----------------------------------------------------

warmer_config warmer_config_for(const node_config& cfg, const node_handles& h,
                                const std::string& id) {
  warmer_config wc;
  wc.view = h.routes;
  wc.max_keys = cfg.warming_max_keys;
  wc.rate = cfg.warming_rate;
  wc.max_time = ms(cfg.warming_max_time);
  wc.settle = ms(cfg.cluster_heartbeat_interval) * 2;
  wc.request_timeout = ms(cfg.node_request_timeout);
  wc.bridge = h.bridge;
  wc.self_id = id;
  wc.save_interval = ms(cfg.warming_save_interval);
  // Long enough to outlive a restart (and a few missed saves), short enough that a node that
  // is gone for good leaves nothing behind for long.
  wc.list_ttl = std::max(std::chrono::seconds(300),
                         std::chrono::duration_cast<std::chrono::seconds>(wc.save_interval * 3));
  return wc;
}

/// The warmer (when warming is on), the lease keeper, the front and its gate.
void spawn_entry(caf::actor_system& sys, const node_config& cfg, const node_overrides& overrides,
                 node_handles& h, node_parts& p) {
  front_config fc;
  fc.node_id = p.id;
  fc.max_key_bytes = cfg.cache_max_key_bytes;
  fc.forward_timeout = ms(cfg.node_request_timeout);
  fc.shards = h.shards;
  fc.stores = std::move(p.stores);
  fc.max_inflight = cfg.node_max_inflight;
  fc.max_keys_per_request = cfg.node_max_keys_per_request;
  fc.hot_ttl = ms(cfg.cluster_hot_ttl);
  fc.resp_port = overrides.resp_port;
  fc.view = h.routes;
  fc.handoff_window = load_timeout(cfg);
  if (cfg.warming_enabled && h.bridge) {
    // Warming reads L2 only; without Redis there is nothing to warm from.
    h.warmer = sys.spawn(warmer, warmer_config_for(cfg, h, p.id));
    fc.warmer = h.warmer;
  }
  lease_keeper_config lk;
  lk.node_id = p.id;
  lk.routes = h.routes;
  lk.bridge = h.bridge;
  lk.request_timeout = ms(cfg.node_request_timeout);
  h.leases = sys.spawn(lease_keeper, std::move(lk));
  fc.leases = h.leases;
  h.control = sys.spawn(front, std::move(fc));
  h.errors = std::make_shared<error_tally>();
  // The longest a lookup may legitimately take: a compute, Redis round trips and a forward.
  auto relay_timeout = cfg.loader_timeout + cfg.redis_timeout * 4 + cfg.node_request_timeout * 2;
  h.front = sys.spawn(front_gate, h.control, h.errors, caf::timespan{relay_timeout});
}

void spawn_membership(caf::actor_system& sys, const node_config& cfg, uint16_t port,
                      const node_overrides& overrides, node_handles& h, const node_parts& p) {
  membership_config mc;
  mc.self_id = p.id;
  mc.host = p.host;
  mc.port = port;
  mc.resp_port = overrides.resp_port;
  mc.refused = overrides.refused;
  // What every member must share, or a third of the keys would read from another L2.
  mc.signature =
    (cfg.redis_enabled ? "redis " + cfg.redis_host + ":" + std::to_string(cfg.redis_port) + " db "
                           + std::to_string(cfg.redis_db) + " prefix '" + cfg.redis_key_prefix + "'"
                       : std::string{"no redis"})
    + ", loader " + cfg.loader_kind;
  mc.seeds = cfg.cluster_seeds;
  mc.heartbeat_interval = ms(cfg.cluster_heartbeat_interval);
  mc.failure_timeout = ms(cfg.cluster_failure_timeout);
  mc.request_timeout =
    std::min(ms(cfg.cluster_failure_timeout) / 2, std::chrono::milliseconds(2000));
  mc.front = h.control;
  mc.connector = sys.has_openssl_manager() ? sys.openssl_manager().actor_handle()
                                           : sys.middleman().actor_handle();
  h.membership = sys.spawn(membership, std::move(mc));
}

void spawn_metrics(caf::actor_system& sys, const node_config& cfg, node_handles& h,
                   const node_parts& p) {
  metrics_config mtc;
  mtc.node_id = p.id;
  mtc.interval = ms(cfg.metrics_interval);
  mtc.window = ms(cfg.metrics_window);
  mtc.thresholds = cfg.advice;
  mtc.shards = h.shards;
  mtc.l2_enabled = cfg.redis_enabled;
  mtc.errors = h.errors;
  mtc.sources.push_back(caf::actor_cast<stats_source>(h.control));
  mtc.sources.push_back(caf::actor_cast<stats_source>(h.front));
  mtc.sources.push_back(caf::actor_cast<stats_source>(h.membership));
  mtc.sources.push_back(caf::actor_cast<stats_source>(h.leases));
  if (h.bridge)
    mtc.sources.push_back(caf::actor_cast<stats_source>(h.bridge));
  if (h.compute)
    mtc.sources.push_back(caf::actor_cast<stats_source>(h.compute));
  if (h.warmer)
    mtc.sources.push_back(caf::actor_cast<stats_source>(h.warmer));
  h.metrics = sys.spawn(metrics, std::move(mtc));
}

// -- sizing and supervision ----------------------------------------------------

void spawn_supervisor(caf::actor_system& sys, const node_config& cfg,
                      const node_overrides& overrides, node_handles& h, node_parts& p) {
  sizing_supervisor_config sup;
  sup.interval = ms(cfg.sizing_interval);
  sup.base_bytes = cfg.sizing_base_bytes != 0 ? cfg.sizing_base_bytes : cfg.cache_max_bytes;
  sup.max_bytes = cfg.cache_max_bytes;
  sup.memory_rule = cfg.sizing_memory_rule;
  sup.cpu_rule = cfg.sizing_cpu_rule;
  sup.max_entries = cfg.cache_max_entries;
  sup.cpu_target = cfg.sizing_cpu_target;
  sup.max_restarts = cfg.supervision_max_restarts;
  sup.window = ms(cfg.supervision_window);
  sup.memory =
    overrides.memory ? overrides.memory : std::shared_ptr<memory_reader>{make_proc_memory_reader()};
  sup.cpu = overrides.cpu ? overrides.cpu : std::shared_ptr<cpu_reader>{make_proc_cpu_reader()};
  sup.shard_configs = std::move(p.shard_configs);
  sup.shards = h.shards;
  sup.bridge_options = p.bc;
  sup.bridge = h.bridge;
  sup.compute_options = p.cc;
  sup.compute = h.compute;
  sup.front = h.control;
  sup.warmer = h.warmer;
  sup.metrics = h.metrics;
  h.supervisor = sys.spawn(sizing_supervisor, std::move(sup));
  caf::anon_send(h.metrics, update_atom::value, caf::actor_cast<caf::actor>(h.supervisor));
}

} // namespace

node_handles spawn_node(caf::actor_system& sys, const node_config& cfg, uint16_t port,
                        node_overrides overrides) {
  node_handles h;
  node_parts p;
  p.host = cfg.advertised_host();
  p.id = cfg.node_id.empty() ? p.host + ":" + std::to_string(port) : cfg.node_id;
  p.default_ttl = std::chrono::duration_cast<std::chrono::seconds>(cfg.cache_default_ttl);
  spawn_miss_path(sys, cfg, overrides, h, p);
  spawn_shards(sys, cfg, overrides, h, p);
  spawn_entry(sys, cfg, overrides, h, p);
  spawn_membership(sys, cfg, port, overrides, h, p);
  spawn_metrics(sys, cfg, h, p);
  // Sent as a local actor: the front takes control messages only from its own node.
  caf::scoped_actor wiring{sys};
  wiring->send(h.control, update_atom::value, caf::actor_cast<caf::actor>(h.metrics),
               caf::actor_cast<caf::actor>(h.membership));
  spawn_supervisor(sys, cfg, overrides, h, p);
  spdlog::info(
    "node {}: {} shards, policy {}, {} bytes / {} entries, loader {}, predictive warming {}", p.id,
    p.shards, cfg.cache_policy, cfg.cache_max_bytes, cfg.cache_max_entries,
    p.impl ? std::string{p.impl->name()} : std::string{"none"},
    p.prefetch ? "on (" + std::to_string(cfg.warming_predictive_keys) + " keys)"
               : std::string{cfg.warming_predictive ? "off (needs Redis)" : "off"});
  return h;
}

} // namespace ac
