// The front actor (see front.hpp): replies come straight from shards or owners (delegate).
#include "actors/front.hpp"

#include <algorithm>

#include <spdlog/spdlog.h>

#include "actors/stats_helpers.hpp"
#include "core/key_normalization.hpp"
#include "core/rendezvous_ring.hpp"
#include "core/scan_cursor.hpp"
#include "core/warm_plan.hpp"
#include "messages/errors.hpp"

namespace ac {

namespace {

using self_ptr = node_front_actor::stateful_pointer<front_state>;

caf::error check_key(self_ptr self, const front_config& cfg, const std::string& key) {
  switch (validate_key(key, cfg.max_key_bytes)) {
    case key_error::none:
      return caf::none;
    case key_error::empty:
      ++self->state.refused;
      return make_error(errc::empty_key, "the key is empty");
    case key_error::too_long:
      ++self->state.refused;
      return make_error(errc::key_too_long, "key of " + std::to_string(key.size())
                                              + " bytes exceeds cache.max-key-bytes="
                                              + std::to_string(cfg.max_key_bytes));
  }
  return make_error(errc::bad_request, "invalid key");
}

const shard_actor& shard_for(self_ptr self, uint64_t hash) {
  auto& shards = self->state.shards;
  return shards[shard_of(hash, static_cast<uint32_t>(shards.size()))];
}

/// The front of the peer owning `hash`, or an invalid handle when this node owns it (or is alone).
front_actor owner_front(self_ptr self, uint64_t hash) {
  auto& st = self->state;
  if (st.routes.ids.size() < 2)
    return {};
  auto owner = st.ring.owner_of(hash);
  if (!owner || *owner == st.routes.self)
    return {};
  for (size_t i = 0; i < st.routes.ids.size(); ++i)
    if (st.routes.ids[i] == *owner && st.routes.fronts[i])
      return caf::actor_cast<front_actor>(st.routes.fronts[i]);
  return {};
}

/// Serves a routed request for key hash `h` here, or, when the sender routed it with an older
/// membership epoch than ours and another node owns the key, forwards it to the owner: non-owners
/// forward, they do not load. The forward carries our newer epoch, so a request only moves
/// towards newer views and never loops.
template <class R, class... Ts>
caf::result<R> serve_routed(self_ptr self, uint64_t h, uint64_t msg_epoch, const Ts&... xs) {
  auto& st = self->state;
  if (msg_epoch < st.routes.epoch)
    if (auto owner = owner_front(self, h)) {
      ++st.forwarded;
      return self->delegate(owner, route_atom::value, xs..., st.routes.epoch);
    }
  return self->delegate(shard_for(self, h), xs...);
}

/// Keys of one batch that go to the same place, with their positions in the batch.
struct key_group {
  std::vector<size_t> idx;
  std::vector<std::string> keys;
};

/// Gathers the parts of a split batch and answers the caller once all are in (or on the
/// first error). Shared by the requests of one batch; lives in the front's thread only.
struct batch_gather {
  lookup_results results;
  size_t pending;
  caf::typed_response_promise<lookup_results> rp;

  void add(const std::vector<size_t>& idx, lookup_results& part) {
    if (pending == 0)
      return;
    for (size_t j = 0; j < idx.size() && j < part.size(); ++j)
      results[idx[j]] = std::move(part[j]);
    if (--pending == 0)
      rp.deliver(std::move(results));
  }
  void fail(caf::error& err) {
    if (pending > 0) {
      pending = 0;
      rp.deliver(std::move(err));
    }
  }
};

/// Splits a batch by target (local shard, or owner node when `may_forward`), asks each once,
/// answers in key order.
caf::result<lookup_results> get_many(self_ptr self, const front_config& cfg,
                                     std::vector<std::string>& keys, bool may_forward) {
  // One request of 100k+ keys kept the shards busy for seconds while every other caller
  // waited behind it: refuse it whole, before any work, as MGET does with resp.max-keys.
  if (keys.size() > cfg.max_keys_per_request) {
    ++self->state.refused;
    return make_error(errc::bad_request,
                      std::to_string(keys.size())
                        + " keys in one get_many exceed node.max-keys-per-request="
                        + std::to_string(cfg.max_keys_per_request));
  }
  for (auto& k : keys)
    if (auto err = check_key(self, cfg, k))
      return err;
  auto& st = self->state;
  auto n = static_cast<uint32_t>(st.shards.size());
  std::vector<key_group> local(n);
  std::map<caf::actor_addr, std::pair<front_actor, key_group>> remote; // empty on one node
  for (size_t i = 0; i < keys.size(); ++i) {
    auto h = key_hash(keys[i]);
    front_actor peer = may_forward ? owner_front(self, h) : front_actor{};
    if (peer) {
      auto& r = remote[peer.address()];
      r.first = peer;
      r.second.idx.push_back(i);
    } else {
      local[shard_of(h, n)].idx.push_back(i);
    }
  }
  size_t parts = remote.size();
  for (auto& g : local)
    parts += !g.idx.empty();
  // One local shard holds every key: it answers the caller directly, in the caller's order.
  if (parts == 1 && remote.empty())
    for (uint32_t s = 0; s < n; ++s)
      if (!local[s].idx.empty())
        return self->delegate(st.shards[s], get_many_atom::value, std::move(keys));
  // The message is ours (CAF copies on write only when it is shared): move the keys, not copy.
  auto take_keys = [&](key_group& g) {
    g.keys.reserve(g.idx.size());
    for (auto i : g.idx)
      g.keys.push_back(std::move(keys[i]));
  };
  auto gather = std::make_shared<batch_gather>(batch_gather{
    lookup_results(keys.size()), parts, self->make_response_promise<lookup_results>()});
  auto on_error = [gather](caf::error& err) { gather->fail(err); };
  // Local shards need no timeout: a dead local actor answers with an error at once, and a
  // shard's own loads are bounded; the caller's deadline still applies end to end.
  for (uint32_t s = 0; s < n; ++s) {
    if (local[s].idx.empty())
      continue;
    take_keys(local[s]);
    self->request(st.shards[s], caf::infinite, get_many_atom::value, std::move(local[s].keys))
      .then(
        [gather, idx = std::move(local[s].idx)](lookup_results& part) { gather->add(idx, part); },
        on_error);
  }
  for (auto& kv : remote) {
    auto& [peer, g] = kv.second;
    ++st.forwarded;
    take_keys(g);
    self
      ->request(peer, cfg.forward_timeout, route_atom::value, get_many_atom::value,
                std::move(g.keys), st.routes.epoch)
      .then([gather, idx = std::move(g.idx)](lookup_results& part) { gather->add(idx, part); },
            on_error);
  }
  return gather->rp;
}

// -- listing and flushing L1 ----------------------------------------------------------

constexpr uint32_t max_scan_keys = 10000;

/// One page of this node's L1 keys: the shard the cursor names answers (core/scan_cursor.hpp),
/// and the cursor moves on to the next shard when that one is through. Callers repeat until
/// the cursor is 0.
caf::result<scan_page> scan_node(self_ptr self, uint64_t cursor, const std::string& pattern,
                                 uint32_t limit) {
  auto& shards = self->state.shards;
  uint64_t index = scan_shard_of(cursor);
  if (index >= shards.size())
    return make_error(errc::bad_request,
                      "scan cursor " + std::to_string(cursor) + " was not handed out by this node");
  limit = std::clamp<uint32_t>(limit, 1, max_scan_keys);
  auto n = shards.size();
  auto rp = self->make_response_promise<scan_page>();
  self
    ->request(shards[index], caf::infinite, scan_atom::value, scan_in_shard(cursor), pattern, limit)
    .then(
      [=](scan_page& page) mutable {
        page.cursor = next_scan_cursor(index, n, page.cursor);
        rp.deliver(std::move(page));
      },
      [=](caf::error& err) mutable { rp.deliver(std::move(err)); });
  return rp;
}

/// Drops every entry of every shard (near copies too); answers the sum once all have.
caf::result<uint64_t> flush_node(self_ptr self) {
  struct tally {
    uint64_t dropped = 0;
    size_t pending = 0;
    caf::typed_response_promise<uint64_t> rp;
  };
  auto& st = self->state;
  st.near.clear();
  auto t =
    std::make_shared<tally>(tally{0, st.shards.size(), self->make_response_promise<uint64_t>()});
  for (auto& shard : st.shards)
    self->request(shard, caf::infinite, flush_atom::value)
      .then(
        [t](uint64_t n) {
          t->dropped += n;
          if (--t->pending == 0)
            t->rp.deliver(t->dropped);
        },
        [t](caf::error& err) {
          if (t->pending > 0) {
            t->pending = 0;
            t->rp.deliver(std::move(err));
          }
        });
  return t->rp;
}

/// The node's hottest keys, at most n: every shard's list, hottest first (warming asks). With
/// `asker` (a member that joins or comes back) only keys it owns, in this node's view with it
/// counted a member, and the L1 entries of its range too: what this node served for it while it
/// was away is what its clients will read from it next, and few of those keys are hot enough
/// for the sampled lists.
caf::result<hot_key_list> hot_node(self_ptr self, uint32_t n, const std::string& asker = {}) {
  struct gather {
    warm_plan plan;
    size_t pending = 0;
    caf::typed_response_promise<hot_key_list> rp;
  };
  auto& st = self->state;
  auto g = std::make_shared<gather>();
  g->pending = st.shards.size() * (asker.empty() ? 1 : 2);
  g->rp = self->make_response_promise<hot_key_list>();
  // Near copies are keys their owners report hot; reads answered from them never reach the
  // owner's shards, so without them the owner's list would miss its very hottest keys.
  if (!st.near.empty()) {
    hot_key_list near;
    for (auto& kv : st.near)
      near.keys.push_back(kv.first);
    near.counts.assign(near.keys.size(), uint64_t{1} << 40);
    g->plan.add(near.keys, near.counts);
  }
  std::shared_ptr<rendezvous_ring> ring;
  if (!asker.empty()) {
    auto ids = st.routes.ids;
    if (std::find(ids.begin(), ids.end(), asker) == ids.end())
      ids.push_back(asker); // it reached this node before the news of its join did
    ring = std::make_shared<rendezvous_ring>();
    ring->set_members(std::move(ids));
  }
  auto done = [g, n, ring, asker] {
    hot_key_list out;
    auto mine = [&](std::string_view key) {
      if (!ring)
        return true;
      auto owner = ring->owner_of(key_hash(key));
      return owner != nullptr && *owner == asker;
    };
    // warm_plan ranks; the counts travel along for the asker's own ranking.
    for (auto& key : g->plan.keys(mine, n))
      out.keys.push_back(key);
    out.counts = g->plan.counts_of(out.keys);
    g->rp.deliver(std::move(out));
  };
  if (g->pending == 0) {
    done();
    return g->rp;
  }
  auto take = [g, done](hot_key_list& l) {
    g->plan.add(l.keys, l.counts);
    if (--g->pending == 0)
      done();
  };
  auto skip = [g, done](caf::error&) {
    if (--g->pending == 0)
      done(); // a restarting shard's list is missing from this one, nothing more
  };
  for (auto& shard : st.shards) {
    self->request(shard, std::chrono::seconds(5), hot_atom::value, n).then(take, skip);
    if (!asker.empty())
      self->request(shard, std::chrono::seconds(5), hot_atom::value, scan_atom::value, n, asker)
        .then(take, skip);
  }
  return g->rp;
}

/// Refuses at once when the front's own queue is beyond node.max-inflight, so an overload
/// shows as fast `overloaded` errors instead of an ever-growing mailbox.
caf::error check_load(self_ptr self, const front_config& cfg) {
  if (cfg.max_inflight == 0 || self->mailbox().size() <= cfg.max_inflight)
    return caf::none;
  ++self->state.overloaded;
  return make_error(errc::overloaded, "more than node.max-inflight="
                                        + std::to_string(cfg.max_inflight) + " requests queued");
}

/// Forwards a get to the key's owner; keeps a near copy when the owner says the key is hot,
/// so one key's storm does not all land on one node.
caf::result<lookup_result> forward_get(self_ptr self, const front_config& cfg,
                                       const front_actor& peer, const std::string& key) {
  auto& st = self->state;
  auto now = std::chrono::steady_clock::now();
  if (auto i = st.near.find(key); i != st.near.end()) {
    if (now < i->second.expires) {
      ++st.near_hits;
      return make_hit(i->second.value, tier::l1);
    }
    st.near.erase(i);
  }
  ++st.forwarded;
  if (cfg.hot_ttl.count() == 0)
    return self->delegate(peer, route_atom::value, get_atom::value, key, st.routes.epoch);
  auto rp = self->make_response_promise<lookup_result>();
  self->request(peer, cfg.forward_timeout, route_atom::value, get_atom::value, key, st.routes.epoch)
    .then(
      [=](lookup_result& r) mutable {
        auto& s = self->state;
        if (r.found && r.hot) {
          if (s.near.size() >= cfg.max_near_copies)
            s.near.erase(s.near.begin());
          s.near[key] = near_copy{r.value, std::chrono::steady_clock::now() + cfg.hot_ttl};
        }
        rp.deliver(std::move(r));
      },
      [=](caf::error& err) mutable { rp.deliver(std::move(err)); });
  return rp;
}

/// Node-internal control messages (new routes, a restarted shard, the wiring's handles) come
/// only from this node's own actors: the front is published, and anyone who reaches the port
/// could otherwise reroute or break the cluster. An anonymous sender is refused too: every
/// internal sender sends as itself.
bool from_this_node(self_ptr self) {
  auto& sender = self->current_sender();
  if (sender && sender->node() == self->node())
    return true;
  ++self->state.refused_control;
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
  ++st.refused_control;
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
  ++st.refused_control;
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
  actor_stats row;
  row.name = "front";
  row.kind = "front";
  row.mailbox = self->mailbox().size();
  row.handled = st.handled;
  row.counters = {
    {"forwarded", static_cast<int64_t>(st.forwarded)},
    {"refused", static_cast<int64_t>(st.refused)},
    {"overloaded", static_cast<int64_t>(st.overloaded)},
    {"near_hits", static_cast<int64_t>(st.near_hits)},
    {"near_copies", static_cast<int64_t>(st.near.size())},
    {"refused_control", static_cast<int64_t>(st.refused_control)},
    {"near_invalidated", static_cast<int64_t>(st.near_invalidated)},
    {"shards", static_cast<int64_t>(st.shards.size())},
    {"epoch", static_cast<int64_t>(st.routes.epoch)},
    {"heals", static_cast<int64_t>(st.heals)},
  };
  return row;
}

} // namespace

node_front_actor::behavior_type front(node_front_actor::stateful_pointer<front_state> self,
                                      front_config cfg) {
  self->state.shards = cfg.shards;
  self->state.routes.self = cfg.node_id;
  publish_view(self, cfg);
  // Requests a peer forwarded are served here whatever this node believes about ownership:
  // a forward never loops, and a brief disagreement costs at most a local (coalesced) load.
  return {
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
      self->state.near.erase(key);
      auto h = key_hash(key);
      if (auto peer = owner_front(self, h)) {
        ++self->state.forwarded;
        return self->delegate(peer, route_atom::value, put_atom::value, key, value, ttl,
                              self->state.routes.epoch);
      }
      return self->delegate(shard_for(self, h), put_atom::value, key, value, ttl);
    },
    [=](delete_atom, const std::string& key) -> caf::result<bool> {
      ++self->state.handled;
      if (auto err = check_key(self, cfg, key))
        return err;
      self->state.near.erase(key);
      auto h = key_hash(key);
      if (auto peer = owner_front(self, h)) {
        ++self->state.forwarded;
        return self->delegate(peer, route_atom::value, delete_atom::value, key,
                              self->state.routes.epoch);
      }
      return self->delegate(shard_for(self, h), delete_atom::value, key);
    },
    [=](keyspace_atom, uint8_t op, const std::string& key, int64_t arg) -> caf::result<int64_t> {
      ++self->state.handled;
      if (auto err = check_key(self, cfg, key))
        return err;
      auto h = key_hash(key);
      if (auto peer = owner_front(self, h)) {
        ++self->state.forwarded;
        return self->delegate(peer, route_atom::value, keyspace_atom::value, op, key, arg,
                              self->state.routes.epoch);
      }
      return self->delegate(shard_for(self, h), keyspace_atom::value, op, key, arg);
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
    },
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
      self->state.near.erase(key);
      return self->delegate(shard_for(self, key_hash(key)), put_atom::value, key, value, ttl, cond);
    },
    [=](route_atom, keyspace_atom, uint8_t op, const std::string& key, int64_t arg,
        uint64_t) -> caf::result<int64_t> {
      ++self->state.handled;
      if (auto err = check_key(self, cfg, key))
        return err;
      return self->delegate(shard_for(self, key_hash(key)), keyspace_atom::value, op, key, arg);
    },
    [=](route_atom, lease_atom, get_atom, const std::string& key, uint32_t lease_ms, uint64_t) {
      ++self->state.handled;
      return self->delegate(cfg.leases, lease_atom::value, get_atom::value, key, lease_ms);
    },
    [=](route_atom, lease_atom, put_atom, const std::string& key, const std::string& token,
        const std::string& entry, uint32_t ttl, uint64_t) {
      ++self->state.handled;
      return self->delegate(cfg.leases, lease_atom::value, put_atom::value, key, token, entry, ttl);
    },
    [=](route_atom, lease_atom, delete_atom, const std::string& key, const std::string& token,
        uint64_t) {
      ++self->state.handled;
      return self->delegate(cfg.leases, lease_atom::value, delete_atom::value, key, token);
    },
    [=](route_atom, delete_atom, const std::string& key, uint64_t epoch) -> caf::result<bool> {
      ++self->state.handled;
      if (auto err = check_key(self, cfg, key))
        return err;
      return serve_routed<bool>(self, key_hash(key), epoch, delete_atom::value, key);
    },
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
    [=](route_atom, handoff_atom, const std::string& key, uint64_t) -> caf::result<lookup_result> {
      ++self->state.handled;
      if (auto err = check_key(self, cfg, key))
        return err;
      // Reading a value or joining a flight gives the asker nothing a get would not; a fence
      // redirects this node's loads of the key to the asker, so only a member may set one.
      bool may_fence = is_member_sender(self);
      return self->delegate(shard_for(self, key_hash(key)), handoff_atom::value, key, may_fence);
    },
    [=](route_atom, hot_atom, uint32_t n, uint64_t) -> caf::result<hot_key_list> {
      ++self->state.handled;
      return hot_node(self, std::min<uint32_t>(n, 65536));
    },
    [=](route_atom, hot_atom, uint32_t n, const std::string& asker,
        uint64_t) -> caf::result<hot_key_list> {
      ++self->state.handled;
      return hot_node(self, std::min<uint32_t>(n, 65536), asker);
    },
    [=](invalidate_atom, const std::string& key) {
      if (from_member(self) && self->state.near.erase(key) > 0)
        ++self->state.near_invalidated;
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
      if (!from_this_node(self))
        return;
      // A new member set moves keys: remember the one before, for the hand-off of flights.
      auto& st = self->state;
      auto sorted = [](std::vector<std::string> v) {
        std::sort(v.begin(), v.end());
        return v;
      };
      auto old_ids = sorted(st.routes.ids), new_ids = sorted(routes.ids);
      bool moved = new_ids != old_ids;
      bool someone_went =
        !std::includes(new_ids.begin(), new_ids.end(), old_ids.begin(), old_ids.end());
      bool healed = routes.heals > st.heals_seen;
      bool joining = false;
      st.heals_seen = routes.heals;
      if (moved) {
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
      }
      st.change.draining = routes.draining_ids; // who still finishes flights, on every update
      self->state.ring.set_members(routes.ids);
      self->state.routes = std::move(routes);
      publish_view(self, cfg);
      if (healed) {
        // Near copies came from owners that may not own their keys any more, or changed them
        // while this node could not hear the invalidation.
        ++st.heals;
        st.near.clear();
      }
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
      spdlog::info("front: routing epoch {} with {} members", self->state.routes.epoch,
                   self->state.routes.ids.size());
    },
  };
}

} // namespace ac
