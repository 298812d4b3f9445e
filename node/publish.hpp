// Publishing the node's front on its port (plain or mutual TLS), and the orderly shutdown.
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include <caf/actor_system.hpp>

#include "actors/resp_listener.hpp"
#include "node/node_config.hpp"
#include "node/node_wiring.hpp"

namespace ac {

struct published_node {
  node_handles handles;
  uint16_t port = 0;
  std::shared_ptr<resp_listener> resp; ///< the Redis-protocol port; null when resp.enabled is false
};

struct publish_result {
  std::optional<published_node> node;
  std::string error;
  explicit operator bool() const { return node.has_value(); }
  published_node* operator->() { return &*node; }
  published_node& operator*() { return *node; }
};

/// What the RESP sessions of a node share: its front, lease keeper, routes and limits.
std::shared_ptr<resp_env> make_resp_env(const node_config& cfg, const node_handles& h,
                                        const std::string& id, uint16_t resp_port);

/// With tls.enabled: loads CAF's openssl module and points it at the configured files.
/// Must run before the actor_system is created.
void enable_tls_if_configured(node_config& cfg);

/// Spawns the node's actors and publishes the front on node.host:node.port; opens the RESP
/// port too (resp.enabled).
/// `refused` is called if the cluster refuses this node (see node_overrides).
publish_result start_published_node(caf::actor_system& sys, const node_config& cfg,
                                    std::function<void(const std::string&)> refused = {});

/// Stops accepting (and reading the RESP port), tells the cluster we leave, and waits (at most
/// `bound`) until the node has no request in flight.
void drain_and_leave(caf::actor_system& sys, published_node& node, std::chrono::milliseconds bound);

} // namespace ac
