// The front's control and cluster messages: who may send them, new routes, the published view.
#include <algorithm>

#include <spdlog/spdlog.h>

#include "actors/front_internal.hpp"
#include "actors/stats_helpers.hpp"
#include "messages/kind_stats.hpp"

namespace ac::front_impl {

/// Node-internal control messages (new routes, a restarted shard, the wiring's handles) come
/// only from this node's own actors: the front is published, and anyone who reaches the port
/// could otherwise reroute or break the cluster. An anonymous sender is refused too: every
/// internal sender sends as itself.
bool from_this_node(self_ptr self) {
  auto& sender = self->current_sender();
  if (sender && sender->node() == self->node())
    return true;
  ++self->state.counts.refused_control;
  spdlog::warn("front: refused a control message from {}",
               sender ? caf::to_string(sender->node()) : std::string{"an anonymous sender"});
  return false;
}

/// A member announces its own leave only: the sender must be on the node of that member.
bool leave_is_genuine(self_ptr self, const std::string& id) {
  auto& st = self->state;
  auto& sender = self->current_sender();
  if (sender) {
    if (sender->node() == self->node())
      return true;
    for (size_t i = 0; i < st.routes.ids.size(); ++i)
      if (st.routes.ids[i] == id && st.routes.fronts[i]
          && st.routes.fronts[i].node() == sender->node())
        return true;
  }
  ++st.counts.refused_control;
  spdlog::warn("front: refused a leave of '{}' from a node that is not that member", id);
  return false;
}

/// True when the current message comes from this node or from an alive member's node.
bool is_member_sender(self_ptr self) {
  auto& sender = self->current_sender();
  if (!sender)
    return false;
  if (sender->node() == self->node())
    return true;
  for (auto& f : self->state.routes.fronts)
    if (f && f.node() == sender->node())
      return true;
  return false;
}

/// An invalidation comes from a member's node (its shard that changed the key).
bool from_member(self_ptr self) {
  auto& st = self->state;
  if (is_member_sender(self))
    return true;
  ++st.counts.refused_control;
  spdlog::warn("front: refused an invalidation from a node that is not a member");
  return false;
}

/// Publishes who owns what and which shard holds what for the RESP sessions (route_view.hpp).
void publish_view(self_ptr self, const front_config& cfg) {
  if (!cfg.view)
    return;
  auto& st = self->state;
  auto snap = std::make_shared<route_snapshot>();
  snap->epoch = st.routes.epoch;
  snap->self = st.routes.self;
  snap->ids = st.routes.ids;
  snap->resp_addresses = st.routes.resp_addresses;
  snap->resp_addresses.resize(snap->ids.size());
  for (auto& f : st.routes.fronts)
    snap->fronts.push_back(caf::actor_cast<front_actor>(f));
  snap->fronts.resize(snap->ids.size());
  snap->ring.set_members(snap->ids);
  snap->shards = st.shards;
  snap->stores = cfg.stores;
  snap->change = st.change;
  for (auto& f : st.routes.draining_fronts)
    snap->draining_fronts.push_back(caf::actor_cast<front_actor>(f));
  snap->stores.resize(snap->shards.size());
  cfg.view->set(std::move(snap));
}

actor_stats make_stats(self_ptr self) {
  auto& st = self->state;
  auto row = stats_row(self, "front", st.handled);
  auto s = st.counts;
  s.near_copies = static_cast<int64_t>(st.near.size());
  s.shards = static_cast<int64_t>(st.shards.size());
  s.epoch = static_cast<int64_t>(st.routes.epoch);
  put_stats(row, s);
  return row;
}

namespace {

std::vector<std::string> sorted(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  return v;
}

/// The member set moved: remembers the one before, for the hand-off of flights. True when this
/// is the first view in which this node has company (it is joining).
bool note_member_change(self_ptr self, const front_config& cfg, const routing_table& routes,
                        bool someone_went) {
  auto& st = self->state;
  bool joining = false;
  auto now = std::chrono::steady_clock::now();
  if (routes.ids.size() <= 1) {
    st.joined_at.reset(); // alone (cut off, or the others left): a later view is a rejoin
  } else if (!st.joined_at) {
    st.joined_at = now;
    joining = true;
  }
  if (st.joined_at && now - *st.joined_at < cfg.handoff_window && !someone_went) {
    // This node is joining: it sees the members one by one as it reaches them, but
    // before it came the others owned every key it now owns. (A member that went, even
    // now, owned its keys until it went: the member set before is the one to ask.)
    std::vector<std::string> others;
    for (auto& id : routes.ids)
      if (id != routes.self)
        others.push_back(id);
    st.change.before.set_members(std::move(others));
  } else {
    st.change.before = st.ring;
  }
  st.change.after.set_members(routes.ids);
  st.change.at = now;
  return joining;
}

/// Tells the shards (drop what other nodes own now, or all of L1 after a heal) and the warmer
/// (what to warm) about the new routes.
void announce_routes(self_ptr self, const front_config& cfg, bool moved, bool healed,
                     bool joining) {
  auto& st = self->state;
  if (moved || healed)
    for (auto& shard : st.shards)
      self->send(shard, ownership_atom::value, st.routes.epoch, healed);
  if (cfg.warmer && healed)
    self->send(cfg.warmer, warm_atom::value,
               ownership_atom::value); // its list names what L1 had
  else if (cfg.warmer && joining)
    self->send(cfg.warmer, warm_atom::value);
  else if (cfg.warmer && moved && st.joined_at
           && std::chrono::steady_clock::now() - *st.joined_at < cfg.handoff_window)
    self->send(cfg.warmer, warm_atom::value, join_atom::value); // one more peer to ask
}

} // namespace

/// New routes from membership: the ring, the hand-off's member set before, the published
/// view; after a heal the near copies go, and shards and warmer hear of it.
void apply_routes(self_ptr self, const front_config& cfg, routing_table& routes) {
  auto& st = self->state;
  auto old_ids = sorted(st.routes.ids), new_ids = sorted(routes.ids);
  bool moved = new_ids != old_ids;
  bool someone_went =
    !std::includes(new_ids.begin(), new_ids.end(), old_ids.begin(), old_ids.end());
  bool healed = routes.heals > st.heals_seen;
  bool joining = false;
  st.heals_seen = routes.heals;
  if (moved)
    joining = note_member_change(self, cfg, routes, someone_went);
  st.change.draining = routes.draining_ids; // who still finishes flights, on every update
  st.ring.set_members(routes.ids);
  st.routes = std::move(routes);
  publish_view(self, cfg);
  if (healed) {
    // Near copies came from owners that may not own their keys any more, or changed them
    // while this node could not hear the invalidation.
    ++st.counts.heals;
    st.near.clear();
  }
  announce_routes(self, cfg, moved, healed, joining);
  spdlog::info("front: routing epoch {} with {} members", st.routes.epoch, st.routes.ids.size());
}

} // namespace ac::front_impl
