// Internal to the front actor (front*.cpp): the steps its handlers call; not for other actors.
#pragma once

#include <string>
#include <vector>

#include "actors/front.hpp"
#include "core/key_normalization.hpp"

namespace ac::front_impl {

using self_ptr = node_front_actor::stateful_pointer<front_state>;

// -- routing client requests (front_routing.cpp) ----------------------------------------------

caf::error check_key(self_ptr self, const front_config& cfg, const std::string& key);
caf::error check_load(self_ptr self, const front_config& cfg);
const shard_actor& shard_for(self_ptr self, uint64_t hash);
front_actor owner_front(self_ptr self, uint64_t hash);
caf::result<lookup_results> get_many(self_ptr self, const front_config& cfg,
                                     std::vector<std::string>& keys, bool may_forward);
caf::result<lookup_result> forward_get(self_ptr self, const front_config& cfg,
                                       const front_actor& peer, const std::string& key);

/// Serves a routed request for key hash `h` here, or, when the sender routed it with an older
/// membership epoch than ours and another node owns the key, forwards it to the owner: non-owners
/// forward, they do not load. The forward carries our newer epoch, so a request only moves
/// towards newer views and never loops.
/// `here` serves it locally: the key's shard (serve_routed), or the lease keeper (routed lease
/// requests, `lease_atom, ...`: a stale sender must not have a key leased by a second keeper).
template <class R, class Here, class... Ts>
caf::result<R> serve_routed_at(self_ptr self, const Here& here, uint64_t h, uint64_t msg_epoch,
                               const Ts&... xs) {
  auto& st = self->state;
  if (msg_epoch < st.routes.epoch)
    if (auto owner = owner_front(self, h)) {
      ++st.counts.forwarded;
      return self->delegate(owner, route_atom::value, xs..., st.routes.epoch);
    }
  return self->delegate(here, xs...);
}

template <class R, class... Ts>
caf::result<R> serve_routed(self_ptr self, uint64_t h, uint64_t msg_epoch, const Ts&... xs) {
  return serve_routed_at<R>(self, shard_for(self, h), h, msg_epoch, xs...);
}

/// Sends a request for `key` (whose hash is `h`) on to its owner node, or to the local shard
/// when this node owns it; `xs` is the message without the routing epoch.
template <class R, class... Ts>
caf::result<R> route_to_owner(self_ptr self, uint64_t h, const Ts&... xs) {
  if (auto peer = owner_front(self, h)) {
    ++self->state.counts.forwarded;
    return self->delegate(peer, route_atom::value, xs..., self->state.routes.epoch);
  }
  return self->delegate(shard_for(self, h), xs...);
}

// -- the node's L1 as a whole: listing, flushing, hot keys (front_node_ops.cpp) --------------

caf::result<scan_page> scan_node(self_ptr self, uint64_t cursor, const std::string& pattern,
                                 uint32_t limit);
caf::result<uint64_t> flush_node(self_ptr self);
caf::result<hot_key_list> hot_node(self_ptr self, uint32_t n, const std::string& asker = {});

// -- control and cluster messages (front_cluster.cpp) -----------------------------------------

bool from_this_node(self_ptr self);
bool leave_is_genuine(self_ptr self, const std::string& id);
bool is_member_sender(self_ptr self);
bool from_member(self_ptr self);
void publish_view(self_ptr self, const front_config& cfg);
void apply_routes(self_ptr self, const front_config& cfg, routing_table& routes);
actor_stats make_stats(self_ptr self);

} // namespace ac::front_impl
