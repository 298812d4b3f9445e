// The membership actor (see membership.hpp): full-mesh heartbeats, push-pull gossip of the member
// list, local failure detection. Every member heartbeats every other, so each node decides
// "down" from its own evidence; gossip only introduces members and spreads leaves.
#include "actors/membership.hpp"
#include "core/host_port.hpp"
#include "core/ttl_clock.hpp"

#include <spdlog/spdlog.h>

#include "core/rendezvous_ring.hpp"
#include "messages/errors.hpp"

namespace ac {

namespace {

using clock = std::chrono::steady_clock;

struct peer {
  member_info info;
  front_actor front;                 ///< invalid until connected
  clock::time_point last_seen{};     ///< last direct contact
  bool connecting = false;           ///< a connect request is out
  bool heartbeat_out = false;        ///< a heartbeat request is out (at most one)
  clock::time_point next_connect{};  ///< earliest next connect attempt
  /// Marked down by this node and not yet back: while it was away each side owned the other's
  /// keys, so its return is a heal (not so for a member that left and restarts).
  bool lost = false;
  bool saw_me_down = false;  ///< its last view had this node down (this node was away)
};

struct state {
  membership_config cfg;
  uint64_t epoch = 1;
  std::map<std::string, peer> peers;  ///< every member but this node
  uint64_t handled = 0, joins = 0, downs = 0, heartbeats = 0;
  uint64_t refused = 0;  ///< joins and heartbeats refused (conflicts, impostors)
  uint64_t heals = 0;    ///< members back after this node had marked them down
  clock::time_point last_tick{};  ///< when the last tick ran (a long gap: this node was paused)
  bool leaving = false;
};

member_info self_info(const state& st) {
  return member_info{st.cfg.self_id, st.cfg.host + ":" + std::to_string(st.cfg.port),
                     st.leaving ? "left" : "alive", st.epoch, 0, unix_ms(),
                     st.cfg.resp_port != 0 ? st.cfg.host + ":" + std::to_string(st.cfg.resp_port)
                                           : std::string{},
                     st.cfg.signature};
}

membership_view view_of(const state& st, bool with_shares) {
  membership_view v;
  v.epoch = st.epoch;
  v.self = st.cfg.self_id;
  v.members.push_back(self_info(st));
  for (auto& kv : st.peers)
    if (kv.first.rfind("seed:", 0) != 0)  // placeholders of seeds not reached yet
      v.members.push_back(kv.second.info);
  if (with_shares) {
    rendezvous_ring ring;
    std::vector<std::string> alive;
    for (auto& m : v.members)
      if (m.state == "alive")
        alive.push_back(m.id);
    ring.set_members(alive);
    for (auto& m : v.members)
      m.share = m.state == "alive" ? ring.share_of(m.id, 20000) : 0;
  }
  return v;
}

/// Tells the front who is alive and how to reach them; called after every change.
void publish_routes(membership_actor::pointer self, state& st) {
  routing_table t;
  t.epoch = st.epoch;
  t.self = st.cfg.self_id;
  t.heals = st.heals;
  if (!st.leaving) {
    t.ids.push_back(st.cfg.self_id);
    t.fronts.emplace_back();
    t.resp_addresses.push_back(self_info(st).resp_address);
  }
  for (auto& kv : st.peers)
    if (kv.second.info.state == "alive" && kv.second.front) {
      t.ids.push_back(kv.first);
      t.fronts.push_back(caf::actor_cast<caf::actor>(kv.second.front));
      t.resp_addresses.push_back(kv.second.info.resp_address);
    }
  self->send(st.cfg.front, update_atom::value, std::move(t));
}

void set_state(membership_actor::pointer self, state& st, peer& p, const std::string& s) {
  if (p.info.state == s)
    return;
  spdlog::info("membership: {} {} -> {}", p.info.id, p.info.state, s);
  p.info.state = s;
  p.info.epoch = ++st.epoch;
  if (s == "down") {
    ++st.downs;
    p.lost = true;
  } else if (s == "left") {
    p.lost = false;  // it left cleanly: what it served then was this side's as well
  } else if (s == "alive" && p.lost) {
    p.lost = false;
    ++st.heals;
    spdlog::info("membership: {} is back after being down (heal {})", p.info.id, st.heals);
  }
  publish_routes(self, st);
}

void connect(membership_actor::pointer self, std::shared_ptr<state> sp, const std::string& id);

/// Merges a peer's view: new members are added (and connected); leaves spread; "down" does not
/// (each node decides that from its own heartbeats).
void merge(membership_actor::pointer self, std::shared_ptr<state> sp, const membership_view& v) {
  auto& st = *sp;
  bool changed = false;
  for (auto& m : v.members) {
    if (m.id == st.cfg.self_id) {
      // The peer had marked this node down: it was paused or cut off, and the peer's side
      // took over its keys meanwhile. That is a heal from here too, even when this node's
      // own timers never noticed the gap (a stopped process, a VM pause).
      if (auto sender = st.peers.find(v.self); sender != st.peers.end()) {
        bool down_there = m.state == "down";
        if (down_there && !sender->second.saw_me_down) {
          ++st.heals;
          changed = true;
          spdlog::info("membership: {} had marked this node down (heal {})", v.self, st.heals);
        }
        sender->second.saw_me_down = down_there;
      }
      continue;
    }
    auto it = st.peers.find(m.id);
    if (it == st.peers.end()) {
      if (m.state != "alive")
        continue;
      peer p;
      p.info = m;
      p.info.state = "suspect";  // alive once we reach it ourselves
      st.peers.emplace(m.id, std::move(p));
      changed = true;
      connect(self, sp, m.id);
    } else if (m.state == "left" && m.id == v.self && it->second.info.state != "left") {
      set_state(self, st, it->second, "left");
    } else if ((it->second.info.address != m.address || it->second.info.resp_address != m.resp_address)
               && m.state == "alive" && m.id == v.self) {
      it->second.info.address = m.address;  // restarted on another port
      it->second.info.resp_address = m.resp_address;
      it->second.front = front_actor{};
      changed = true;
    }
  }
  if (v.epoch > st.epoch) {
    st.epoch = v.epoch;
    changed = true;
  }
  if (changed)
    publish_routes(self, st);
}

void connect(membership_actor::pointer self, std::shared_ptr<state> sp, const std::string& id) {
  auto& st = *sp;
  auto it = st.peers.find(id);
  if (it == st.peers.end() || it->second.connecting || it->second.info.state == "left")
    return;
  auto& p = it->second;
  auto hp = parse_host_port(p.info.address);  // bytes from the network: never std::stoi
  if (!hp)
    return;
  auto host = hp->host;
  auto port = hp->port;
  p.connecting = true;
  self->request(st.cfg.connector, st.cfg.request_timeout, caf::connect_atom::value, host, port)
    .then(
      [=](const caf::node_id&, caf::strong_actor_ptr& ptr, const std::set<std::string>&) {
        auto it = sp->peers.find(id);
        if (it == sp->peers.end())
          return;
        it->second.connecting = false;
        if (!ptr)
          return;
        it->second.front = caf::actor_cast<front_actor>(ptr);
        self->monitor(it->second.front);
        // Joining announces us; the answer is the peer's view.
        self->request(it->second.front, sp->cfg.request_timeout, join_atom::value, self_info(*sp))
          .then(
            [=](membership_view& v) {
              auto it = sp->peers.find(id);
              if (it != sp->peers.end() && id != v.self) {
                // A seed placeholder learns its real id.
                auto p = std::move(it->second);
                sp->peers.erase(it);
                auto [real, fresh] = sp->peers.try_emplace(v.self, std::move(p));
                if (fresh) {
                  real->second.info.id = v.self;
                } else if (!real->second.front) {
                  real->second.front = p.front;
                }
                it = real;
              }
              if (it != sp->peers.end()) {
                it->second.last_seen = clock::now();
                it->second.info.last_heartbeat_ms = unix_ms();
                set_state(self, *sp, it->second, "alive");
                publish_routes(self, *sp);
              }
              merge(self, sp, v);
            },
            [=](caf::error& err) {
              if (err.category() == errc_category && err.code() == static_cast<uint8_t>(errc::refused)) {
                auto reason = err.context().match_elements<std::string>()
                                ? err.context().get_as<std::string>(0) : describe(err);
                spdlog::error("membership: the cluster refuses this node: {}", reason);
                if (sp->cfg.refused)
                  sp->cfg.refused(reason);
                return;
              }
              spdlog::debug("membership: join via {} failed: {}", id, describe(err));
            });
      },
      [=](caf::error& err) {
        auto it = sp->peers.find(id);
        if (it == sp->peers.end())
          return;
        it->second.connecting = false;
        it->second.next_connect = clock::now() + sp->cfg.failure_timeout / 2;
        spdlog::debug("membership: cannot reach {}: {}", id, describe(err));
      });
}

void tick(membership_actor::pointer self, std::shared_ptr<state> sp) {
  auto& st = *sp;
  auto now = clock::now();
  for (auto& kv : st.peers) {
    auto& p = kv.second;
    if (p.info.state == "left")
      continue;
    if (p.info.state == "alive" && now - p.last_seen > st.cfg.failure_timeout)
      set_state(self, st, p, "down");
    if (!p.front) {
      if (now >= p.next_connect)
        connect(self, sp, kv.first);
      continue;
    }
    if (p.heartbeat_out)
      continue;
    p.heartbeat_out = true;
    ++st.heartbeats;
    auto id = kv.first;
    self->request(p.front, st.cfg.request_timeout, heartbeat_atom::value, view_of(st, false))
      .then(
        [=](membership_view& v) {
          auto it = sp->peers.find(id);
          if (it == sp->peers.end())
            return;
          it->second.heartbeat_out = false;
          it->second.last_seen = clock::now();
          it->second.info.last_heartbeat_ms = unix_ms();
          if (it->second.info.state != "left")
            set_state(self, *sp, it->second, "alive");
          merge(self, sp, v);
        },
        [=](caf::error&) {
          auto it = sp->peers.find(id);
          if (it != sp->peers.end())
            it->second.heartbeat_out = false;
        });
  }
}

/// A peer contacted us directly (join or heartbeat): that is proof it is alive.
void heard_from(membership_actor::pointer self, std::shared_ptr<state> sp, const member_info& m) {
  auto& st = *sp;
  if (m.id == st.cfg.self_id)
    return;
  auto [it, fresh] = st.peers.try_emplace(m.id);
  auto& p = it->second;
  // A member we saw leave that calls itself alive again was restarted (same id, maybe the
  // same address): take it back like a new member instead of ignoring it as "left".
  bool rejoined = p.info.state == "left" && m.state == "alive";
  if (fresh || rejoined || p.info.address != m.address || p.info.resp_address != m.resp_address) {
    p.info = m;
    p.info.state = "suspect";
    p.front = front_actor{};
  }
  p.last_seen = clock::now();
  p.info.last_heartbeat_ms = unix_ms();
  if (m.state == "left") {
    set_state(self, st, p, "left");
    return;
  }
  if (!p.front)
    connect(self, sp, m.id);
  else
    set_state(self, st, p, "alive");
}

/// Why a node may not join (empty when it may): its id is this node's or a live member's at
/// another address (a restart on the same address, or after the old one's connection broke,
/// is a rejoin), or its L2 settings or loader kind differ from this cluster's.
std::string refusal_of(const state& st, const member_info& m) {
  if (m.id == st.cfg.self_id && m.address != self_info(st).address)
    return "node.id '" + m.id + "' is already a live member (at " + self_info(st).address + ")";
  if (auto it = st.peers.find(m.id); it != st.peers.end()) {
    auto& p = it->second;
    if (p.info.state == "alive" && p.front && p.info.address != m.address)
      return "node.id '" + m.id + "' is already a live member (at " + p.info.address + ")";
  }
  if (!m.signature.empty() && !st.cfg.signature.empty() && m.signature != st.cfg.signature)
    return "its settings differ from the cluster's: this cluster has '" + st.cfg.signature
           + "', the joining node '" + m.signature + "'";
  return {};
}

/// Why a heartbeat is not taken ("" when it is). Heartbeats change membership, so they come
/// from members: the sender must be on the node of the member it says it is, and a node we
/// do not know yet (it joined through another member) is judged like a join.
std::string heartbeat_refusal(const state& st, const caf::strong_actor_ptr& sender,
                              const caf::node_id& here, const membership_view& v) {
  const member_info* m = nullptr;
  for (auto& x : v.members)
    if (x.id == v.self)
      m = &x;
  if (m == nullptr)
    return "a heartbeat without its sender's own entry";
  if (!sender)
    return "an anonymous heartbeat";
  if (sender->node() == here)
    return {};  // this node's own actors (tests, tools in-process)
  if (v.self == st.cfg.self_id)
    return "a heartbeat from another node that claims to be this one";
  if (auto it = st.peers.find(v.self); it != st.peers.end() && it->second.info.state != "left") {
    if (it->second.front && it->second.front.node() != sender->node())
      return "a heartbeat that claims to be member '" + v.self + "' from another node";
    return {};
  }
  return refusal_of(st, *m);
}

} // namespace

membership_actor::behavior_type membership(membership_actor::pointer self, membership_config cfg) {
  auto sp = std::make_shared<state>();
  sp->cfg = std::move(cfg);
  for (auto& seed : sp->cfg.seeds) {
    if (seed == sp->cfg.host + ":" + std::to_string(sp->cfg.port))
      continue;
    peer p;
    p.info = member_info{"seed:" + seed, seed, "suspect", 0, 0, 0};
    sp->peers.emplace(p.info.id, std::move(p));
  }
  self->set_down_handler([=](caf::down_msg& dm) {
    for (auto& kv : sp->peers)
      if (kv.second.front && kv.second.front.address() == dm.source) {
        kv.second.front = front_actor{};
        kv.second.heartbeat_out = false;
        kv.second.next_connect = clock::now() + sp->cfg.heartbeat_interval;
        if (kv.second.info.state == "alive")
          set_state(self, *sp, kv.second, "down");
      }
  });
  self->send(self, tick_atom::value);
  publish_routes(self, *sp);
  return {
    [=](members_atom) { ++sp->handled; return view_of(*sp, true); },
    [=](join_atom, const member_info& m) -> caf::result<membership_view> {
      ++sp->handled;
      if (auto why = refusal_of(*sp, m); !why.empty()) {
        ++sp->refused;
        spdlog::warn("membership: refused {} at {}: {}", m.id, m.address, why);
        return make_error(errc::refused, why);
      }
      ++sp->joins;
      heard_from(self, sp, m);
      return view_of(*sp, false);
    },
    [=](heartbeat_atom, const membership_view& v) -> caf::result<membership_view> {
      ++sp->handled;
      if (auto why = heartbeat_refusal(*sp, self->current_sender(), self->node(), v); !why.empty()) {
        ++sp->refused;
        spdlog::warn("membership: refused a heartbeat from '{}': {}", v.self, why);
        return make_error(errc::refused, why);
      }
      for (auto& m : v.members)
        if (m.id == v.self)
          heard_from(self, sp, m);
      merge(self, sp, v);
      return view_of(*sp, false);
    },
    [=](delete_atom, const std::string& id) -> caf::result<bool> {
      ++sp->handled;
      if (id == sp->cfg.self_id)
        return make_error(errc::refused, "'" + id + "' is the node asked; a node leaves the cluster when it stops (SIGTERM)");
      auto it = sp->peers.find(id);
      if (it == sp->peers.end())
        return false;
      // Only our own evidence counts: a member we hear from is alive, whatever the caller thinks.
      if (it->second.info.state == "alive")
        return make_error(errc::refused, "member '" + id + "' is alive; only a down or left member can be removed");
      spdlog::info("membership: removed member {} ({})", id, it->second.info.state);
      sp->peers.erase(it);
      ++sp->epoch;
      publish_routes(self, *sp);
      return true;
    },
    [=](leave_atom, const std::string& id) {
      ++sp->handled;
      auto it = sp->peers.find(id);
      if (it != sp->peers.end())
        set_state(self, *sp, it->second, "left");
    },
    [=](leave_atom) -> caf::result<bool> {
      sp->leaving = true;
      ++sp->epoch;
      for (auto& kv : sp->peers)
        if (kv.second.front && kv.second.info.state != "left")
          self->send(kv.second.front, leave_atom::value, sp->cfg.self_id);
      publish_routes(self, *sp);
      return true;
    },
    [=](tick_atom) {
      // A tick far later than asked means this process stood still (SIGSTOP, a VM pause, a
      // starved machine) past the failure timeout: its peers declared it down and took over
      // its keys, whatever its own view says. That is a heal, as if they had come back.
      auto now = clock::now();
      if (sp->last_tick != clock::time_point{} && now - sp->last_tick > sp->cfg.failure_timeout) {
        bool had_peers = false;
        for (auto& kv : sp->peers)
          had_peers |= kv.second.info.state == "alive";
        if (had_peers) {
          ++sp->heals;
          spdlog::warn("membership: this node stood still for {} ms (failure timeout {} ms): its peers "
                       "took over its keys meanwhile (heal {})",
                       std::chrono::duration_cast<std::chrono::milliseconds>(now - sp->last_tick).count(),
                       sp->cfg.failure_timeout.count(), sp->heals);
          publish_routes(self, *sp);
        }
      }
      sp->last_tick = now;
      // Seed placeholders are replaced by the real id once the seed answers a join.
      for (auto it = sp->peers.begin(); it != sp->peers.end();) {
        bool placeholder = it->first.rfind("seed:", 0) == 0;
        bool known = false;
        for (auto& kv : sp->peers)
          if (kv.first != it->first && kv.second.info.address == it->second.info.address)
            known = true;
        it = placeholder && known ? sp->peers.erase(it) : std::next(it);
      }
      tick(self, sp);
      self->delayed_send(self, sp->cfg.heartbeat_interval, tick_atom::value);
    },
    [=](stats_atom) {
      actor_stats row;
      row.name = "membership";
      row.kind = "membership";
      row.mailbox = self->mailbox().size();
      row.handled = sp->handled;
      int64_t alive = 1;
      for (auto& kv : sp->peers)
        alive += kv.second.info.state == "alive";
      row.counters = {{"epoch", static_cast<int64_t>(sp->epoch)},
                      {"alive", alive},
                      {"members", static_cast<int64_t>(sp->peers.size() + 1)},
                      {"joins", static_cast<int64_t>(sp->joins)},
                      {"downs", static_cast<int64_t>(sp->downs)},
                      {"heartbeats", static_cast<int64_t>(sp->heartbeats)},
                      {"refused", static_cast<int64_t>(sp->refused)},
                      {"heals", static_cast<int64_t>(sp->heals)}};
      return row;
    },
  };
}

} // namespace ac
