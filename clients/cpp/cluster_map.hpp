// A client's snapshot of the cluster: connected members, who owns which key, and when to bypass forwarding.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <caf/actor_addr.hpp>
#include <caf/allowed_unsafe_message_type.hpp>

#include "core/rendezvous_ring.hpp"
#include "messages/front_actor.hpp"

namespace ac {

/// One member the client is connected to.
struct node_ref {
  std::string id;           ///< member id (the ring id)
  std::string address;      ///< host:port
  front_actor handle;       ///< proxy of its published front actor
  std::string resp_address; ///< host:port of its RESP port, from its member_info; "" = none
};

/// Where to send a key: the node, and whether to send it as an already-routed request
/// (route_atom) so that the node serves it itself instead of forwarding it.
struct route {
  const node_ref* node = nullptr;
  bool direct = false;
};

/// Immutable once built; actors share it through cluster_map_ptr and swap in newer versions.
/// The ring covers the members this client can reach; `reported_alive` is what the cluster
/// itself believes. When the two disagree on a key's owner (a member died and the nodes
/// have not noticed yet), the request goes direct, so no node forwards it to the dead one.
class cluster_map {
public:
  cluster_map(uint64_t version, uint64_t epoch, std::vector<node_ref> nodes,
              std::vector<std::string> reported_alive);

  /// The owner of `key_hash` among the reachable nodes, skipping `avoid` (a node that just
  /// failed this request) when another one is left. node == nullptr when there is none.
  route route_of(uint64_t key_hash, std::string_view avoid = {}) const;

  /// The node whose handle has address `addr`, or nullptr.
  const node_ref* find(const caf::actor_addr& addr) const;

  /// A copy without member `id` (which stays in reported_alive), with version `version`.
  cluster_map without(const std::string& id, uint64_t version) const;

  uint64_t version() const { return version_; }
  uint64_t epoch() const { return epoch_; }
  const std::vector<node_ref>& nodes() const { return nodes_; }
  const std::vector<std::string>& reported_alive() const { return reported_; }

private:
  const node_ref* by_id(const std::string& id) const;

  uint64_t version_; // bumped by the directory on every change
  uint64_t epoch_;   // the cluster's membership epoch this view came from
  std::vector<node_ref> nodes_;
  std::vector<std::string> reported_;
  rendezvous_ring ring_;          // over nodes_
  rendezvous_ring reported_ring_; // over reported_
};

using cluster_map_ptr = std::shared_ptr<const cluster_map>;

} // namespace ac

// Travels only between actors of one tool process.
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(ac::cluster_map_ptr)
