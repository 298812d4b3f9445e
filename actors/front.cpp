// The front actor (see front.hpp): replies come straight from shards or owners (delegate).
// The steps its handlers call live in front_routing.cpp, front_node_ops.cpp, front_cluster.cpp.
#include "actors/front.hpp"

#include <algorithm>
#include <tuple>

#include <spdlog/spdlog.h>

#include "actors/front_internal.hpp"
#include "messages/errors.hpp"

namespace ac {

namespace {

using namespace front_impl;

// The handlers come in groups by concept (the tuples below); front() joins them into the one
// typed behavior.

/// Clients' requests: served by the local shard that holds the key, or sent on to its owner.
auto client_handlers(self_ptr self, const front_config& cfg) {
  return std::make_tuple(
    [=](get_atom, const std::string& key) -> caf::result<lookup_result> {
      ++self->state.handled;
      if (auto err = check_load(self, cfg))
        return err;
      if (auto err = check_key(self, cfg, key))
        return err;
      auto h = key_hash(key);
      if (auto peer = owner_front(self, h))
        return forward_get(self, cfg, peer, key);
      return self->delegate(shard_for(self, h), get_atom::value, key);
    },
    [=](get_many_atom, std::vector<std::string>& keys) -> caf::result<lookup_results> {
      ++self->state.handled;
      if (auto err = check_load(self, cfg))
        return err;
      return get_many(self, cfg, keys, true);
    },
    [=](put_atom, const std::string& key, const std::string& value,
        uint32_t ttl) -> caf::result<uint8_t> {
      ++self->state.handled;
      if (auto err = check_load(self, cfg))
        return err;
      if (auto err = check_key(self, cfg, key))
        return err;
      self->state.near.forget(key);
      return route_to_owner<uint8_t>(self, key_hash(key), put_atom::value, key, value, ttl);
    },
    [=](delete_atom, const std::string& key) -> caf::result<bool> {
      ++self->state.handled;
      if (auto err = check_key(self, cfg, key))
        return err;
      self->state.near.forget(key);
      return route_to_owner<bool>(self, key_hash(key), delete_atom::value, key);
    },
    [=](keyspace_atom, uint8_t op, const std::string& key, int64_t arg) -> caf::result<int64_t> {
      ++self->state.handled;
      if (auto err = check_key(self, cfg, key))
        return err;
      return route_to_owner<int64_t>(self, key_hash(key), keyspace_atom::value, op, key, arg);
    },
    [=](scan_atom, uint64_t cursor, const std::string& pattern, uint32_t limit) {
      ++self->state.handled;
      return scan_node(self, cursor, pattern, limit);
    },
    [=](flush_atom) {
      ++self->state.handled;
      auto& sender = self->current_sender();
      spdlog::info("front: flushing L1 at the request of {}",
                   sender ? caf::to_string(sender->node()) : std::string{"an anonymous sender"});
      return flush_node(self);
    });
}

/// Requests a peer routed here for one key. They are served here whatever this node believes
/// about ownership (serve_routed forwards only towards newer views): a forward never loops,
/// and a brief disagreement costs at most a local (coalesced) load.
auto routed_key_handlers(self_ptr self, const front_config& cfg) {
  return std::make_tuple(
    [=](route_atom, get_atom, const std::string& key,
        uint64_t epoch) -> caf::result<lookup_result> {
      ++self->state.handled;
      if (auto err = check_key(self, cfg, key))
        return err;
      return serve_routed<lookup_result>(self, key_hash(key), epoch, get_atom::value, key);
    },
    [=](route_atom, get_many_atom, std::vector<std::string>& keys, uint64_t) {
      ++self->state.handled;
      return get_many(self, cfg, keys, false);
    },
    [=](route_atom, put_atom, const std::string& key, const std::string& value, uint32_t ttl,
        uint64_t epoch) -> caf::result<uint8_t> {
      ++self->state.handled;
      if (auto err = check_key(self, cfg, key))
        return err;
      return serve_routed<uint8_t>(self, key_hash(key), epoch, put_atom::value, key, value, ttl);
    },
    [=](route_atom, put_atom, const std::string& key, const std::string& value, uint32_t ttl,
        uint8_t cond, uint64_t) -> caf::result<uint8_t> {
      ++self->state.handled;
      if (auto err = check_key(self, cfg, key))
        return err;
      self->state.near.forget(key);
      return self->delegate(shard_for(self, key_hash(key)), put_atom::value, key, value, ttl, cond);
    },
    [=](route_atom, keyspace_atom, uint8_t op, const std::string& key, int64_t arg,
        uint64_t) -> caf::result<int64_t> {
      ++self->state.handled;
      if (auto err = check_key(self, cfg, key))
        return err;
      return self->delegate(shard_for(self, key_hash(key)), keyspace_atom::value, op, key, arg);
    },
    [=](route_atom, delete_atom, const std::string& key, uint64_t epoch) -> caf::result<bool> {
      ++self->state.handled;
      if (auto err = check_key(self, cfg, key))
        return err;
      return serve_routed<bool>(self, key_hash(key), epoch, delete_atom::value, key);
    },
    [=](route_atom, handoff_atom, const std::string& key, uint64_t) -> caf::result<lookup_result> {
      ++self->state.handled;
      if (auto err = check_key(self, cfg, key))
        return err;
      // Reading a value or joining a flight gives the asker nothing a get would not; a fence
      // redirects this node's loads of the key to the asker, so only a member may set one.
      bool may_fence = is_member_sender(self);
      return self->delegate(shard_for(self, key_hash(key)), handoff_atom::value, key, may_fence);
    });
}

/// Peers' requests to this node's lease keeper and for its hottest keys (warming). A lease
/// request from a sender with an older view goes on to the key's owner (serve_routed_at), so a
/// client's stale map or a lagging peer never has a key leased by a second keeper.
auto routed_node_handlers(self_ptr self, const front_config& cfg) {
  return std::make_tuple(
    [=](route_atom, lease_atom, get_atom, const std::string& key, uint32_t lease_ms,
        uint64_t epoch) {
      ++self->state.handled;
      return serve_routed_at<lease_reply>(self, cfg.leases, key_hash(key), epoch, lease_atom::value,
                                          get_atom::value, key, lease_ms);
    },
    [=](route_atom, lease_atom, put_atom, const std::string& key, const std::string& token,
        const std::string& entry, uint32_t ttl, uint64_t epoch) {
      ++self->state.handled;
      return serve_routed_at<bool>(self, cfg.leases, key_hash(key), epoch, lease_atom::value,
                                   put_atom::value, key, token, entry, ttl);
    },
    [=](route_atom, lease_atom, delete_atom, const std::string& key, const std::string& token,
        uint64_t epoch) {
      ++self->state.handled;
      return serve_routed_at<bool>(self, cfg.leases, key_hash(key), epoch, lease_atom::value,
                                   delete_atom::value, key, token);
    },
    [=](route_atom, lease_atom, handoff_atom, const std::string& key, uint32_t lease_ms,
        const caf::actor& holder, uint64_t) -> caf::result<lease_reply> {
      ++self->state.handled;
      // The answer fences the key to the asker: only a member may ask.
      if (!is_member_sender(self))
        return make_error(errc::bad_request, "only a member hands leases over");
      return self->delegate(cfg.leases, lease_atom::value, handoff_atom::value, key, lease_ms,
                            holder);
    },
    [=](route_atom, hot_atom, uint32_t n, uint64_t) -> caf::result<hot_key_list> {
      ++self->state.handled;
      return hot_node(self, std::min<uint32_t>(n, 65536));
    },
    [=](route_atom, hot_atom, uint32_t n, const std::string& asker,
        uint64_t) -> caf::result<hot_key_list> {
      ++self->state.handled;
      return hot_node(self, std::min<uint32_t>(n, 65536), asker);
    });
}

/// Reports, membership traffic, invalidations, and the node's own control messages.
auto cluster_handlers(self_ptr self, const front_config& cfg) {
  return std::make_tuple(
    [=](report_atom) { return self->delegate(self->state.metrics, report_atom::value); },
    [=](stats_atom) { return make_stats(self); },
    [=](members_atom) { return self->delegate(self->state.membership, members_atom::value); },
    [=](members_atom, delete_atom, const std::string& id) {
      return self->delegate(self->state.membership, delete_atom::value, id);
    },
    [=](join_atom, const member_info& m) {
      return self->delegate(self->state.membership, join_atom::value, m);
    },
    [=](heartbeat_atom, const membership_view& v) {
      return self->delegate(self->state.membership, heartbeat_atom::value, v);
    },
    [=](leave_atom, const std::string& id) {
      if (leave_is_genuine(self, id))
        self->send(self->state.membership, leave_atom::value, id);
    },
    [=](invalidate_atom, const std::string& key) {
      if (from_member(self) && self->state.near.forget(key))
        ++self->state.counts.near_invalidated;
    },
    [=](update_atom, const caf::actor& metrics, const caf::actor& membership) {
      if (!from_this_node(self))
        return;
      self->state.metrics = caf::actor_cast<metrics_actor>(metrics);
      self->state.membership = caf::actor_cast<membership_actor>(membership);
    },
    [=](update_atom, uint32_t index, const caf::actor& shard) {
      if (!from_this_node(self))
        return;
      if (index < self->state.shards.size())
        self->state.shards[index] = caf::actor_cast<shard_actor>(shard);
      publish_view(self, cfg);
    },
    [=](update_atom, routing_table& routes) {
      if (from_this_node(self))
        apply_routes(self, cfg, routes);
    });
}

} // namespace

node_front_actor::behavior_type front(node_front_actor::stateful_pointer<front_state> self,
                                      front_config cfg) {
  self->state.shards = cfg.shards;
  self->state.routes.self = cfg.node_id;
  self->state.near = near_copies{cfg.max_near_copies};
  publish_view(self, cfg);
  return std::apply(
    [](auto&&... handlers) { return node_front_actor::behavior_type{std::move(handlers)...}; },
    std::tuple_cat(client_handlers(self, cfg), routed_key_handlers(self, cfg),
                   routed_node_handlers(self, cfg), cluster_handlers(self, cfg)));
}

} // namespace ac
