// The membership actor (see membership.hpp): carries out what core/membership_protocol decides.
//
// The actor owns what the protocol cannot: connections to peers' fronts (the middleman's
// connect, monitors), requests and their timeouts, the tick timer and the clocks. Every
// decision (who is alive, who is down, when to connect, what a heal is) is the protocol's.
#include "actors/membership.hpp"
#include "actors/stats_helpers.hpp"

#include <spdlog/spdlog.h>

#include "core/membership_protocol.hpp"
#include "core/ttl_clock.hpp"
#include "messages/errors.hpp"
#include "messages/kind_stats.hpp"

namespace ac {

namespace {

using clock = std::chrono::steady_clock;

struct state {
  explicit state(membership_config c, membership_settings s)
    : cfg(std::move(c)), protocol(std::move(s)) {}
  membership_config cfg;
  membership_protocol protocol;
  std::map<std::string, front_actor> fronts; ///< connected members' fronts, by member id
  uint64_t handled = 0;
};

using state_ptr = std::shared_ptr<state>;
using self_ptr = membership_actor::pointer;

/// Tells the front who is alive and how to reach them.
void publish_routes(self_ptr self, state& st) {
  auto r = st.protocol.routes();
  routing_table t;
  t.epoch = r.epoch;
  t.self = st.cfg.self_id;
  t.heals = r.heals;
  for (size_t i = 0; i < r.ids.size(); ++i) {
    caf::actor front;
    if (r.ids[i] != st.cfg.self_id) {
      auto f = st.fronts.find(r.ids[i]);
      if (f == st.fronts.end())
        continue; // cannot happen: the protocol routes to connected members only
      front = caf::actor_cast<caf::actor>(f->second);
    }
    t.ids.push_back(r.ids[i]);
    t.fronts.push_back(std::move(front));
    t.resp_addresses.push_back(r.resp_addresses[i]);
  }
  for (auto& id : r.draining)
    if (auto f = st.fronts.find(id); f != st.fronts.end()) {
      t.draining_ids.push_back(id);
      t.draining_fronts.push_back(caf::actor_cast<caf::actor>(f->second));
    }
  self->send(st.cfg.front, update_atom::value, std::move(t));
}

void carry_out(self_ptr self, const state_ptr& sp, membership_protocol::actions actions);

void connect(self_ptr self, const state_ptr& sp, const membership_action& a) {
  auto id = a.id;
  self
    ->request(sp->cfg.connector, sp->cfg.request_timeout, caf::connect_atom::value, a.host, a.port)
    .then(
      [=](const caf::node_id&, caf::strong_actor_ptr& ptr, const std::set<std::string>&) {
        membership_protocol::actions out;
        if (!ptr) {
          sp->protocol.on_connect_failed(id, clock::now());
          return;
        }
        auto front = caf::actor_cast<front_actor>(ptr);
        if (!sp->protocol.on_connected(id, out))
          return;
        sp->fronts[id] = front;
        self->monitor(front);
        carry_out(self, sp, std::move(out));
      },
      [=](caf::error& err) {
        sp->protocol.on_connect_failed(id, clock::now());
        spdlog::debug("membership: cannot reach {}: {}", id, describe(err));
      });
}

// Joining announces us; the answer is the peer's view.
void join(self_ptr self, const state_ptr& sp, const std::string& id) {
  auto f = sp->fronts.find(id);
  if (f == sp->fronts.end())
    return;
  self
    ->request(f->second, sp->cfg.request_timeout, join_atom::value,
              sp->protocol.self_info(unix_ms()))
    .then(
      [=](membership_view& v) {
        carry_out(self, sp, sp->protocol.on_join_answer(id, v, clock::now(), unix_ms()));
      },
      [=](caf::error& err) {
        std::string refused;
        if (err.category() == errc_category && err.code() == static_cast<uint8_t>(errc::refused))
          refused = err.context().match_elements<std::string>()
                      ? err.context().get_as<std::string>(0)
                      : describe(err);
        else
          spdlog::debug("membership: join via {} failed: {}", id, describe(err));
        carry_out(self, sp, sp->protocol.on_join_failed(id, refused));
      });
}

void heartbeat(self_ptr self, const state_ptr& sp, const membership_action& a) {
  auto id = a.id;
  auto f = sp->fronts.find(id);
  if (f == sp->fronts.end()) {
    sp->protocol.on_heartbeat_failed(id);
    return;
  }
  self->request(f->second, sp->cfg.request_timeout, heartbeat_atom::value, a.view)
    .then(
      [=](membership_view& v) {
        carry_out(self, sp, sp->protocol.on_heartbeat_answer(id, v, clock::now(), unix_ms()));
      },
      [=](caf::error&) { sp->protocol.on_heartbeat_failed(id); });
}

/// Does what the protocol asked, in order; the routes go to the front once, at the end.
void carry_out(self_ptr self, const state_ptr& sp, membership_protocol::actions actions) {
  using kind = membership_action::kind;
  bool publish = false;
  for (auto& a : actions) {
    switch (a.what) {
      case kind::connect:
        connect(self, sp, a);
        break;
      case kind::join:
        join(self, sp, a.id);
        break;
      case kind::heartbeat:
        heartbeat(self, sp, a);
        break;
      case kind::leave:
        if (auto f = sp->fronts.find(a.id); f != sp->fronts.end())
          self->send(f->second, leave_atom::value, sp->cfg.self_id);
        break;
      case kind::forget:
        sp->fronts.erase(a.id);
        break;
      case kind::rename:
        if (auto f = sp->fronts.find(a.id); f != sp->fronts.end()) {
          sp->fronts.try_emplace(a.to, f->second);
          sp->fronts.erase(a.id);
        }
        break;
      case kind::publish:
        publish = true;
        break;
      case kind::refused:
        spdlog::error("membership: the cluster refuses this node: {}", a.reason);
        if (sp->cfg.refused)
          sp->cfg.refused(a.reason);
        break;
      case kind::log:
        if (a.warn)
          spdlog::warn("{}", a.reason);
        else
          spdlog::info("{}", a.reason);
        break;
    }
  }
  if (publish)
    publish_routes(self, *sp);
}

membership_settings settings_of(const membership_config& cfg) {
  membership_settings s;
  s.self_id = cfg.self_id;
  s.address = cfg.host + ":" + std::to_string(cfg.port);
  s.resp_address =
    cfg.resp_port != 0 ? cfg.host + ":" + std::to_string(cfg.resp_port) : std::string{};
  s.signature = cfg.signature;
  s.seeds = cfg.seeds;
  s.heartbeat_interval = cfg.heartbeat_interval;
  s.failure_timeout = cfg.failure_timeout;
  return s;
}

/// A member's heartbeat: judged by the protocol, with what the connection says of its sender.
caf::result<membership_view> on_heartbeat(self_ptr self, const state_ptr& sp,
                                          const membership_view& v) {
  auto sender = self->current_sender();
  heartbeat_sender from;
  from.anonymous = !sender;
  from.local = sender && sender->node() == self->node();
  if (auto f = sp->fronts.find(v.self); sender && f != sp->fronts.end())
    from.matches_connection = f->second.node() == sender->node();
  membership_protocol::actions out;
  auto r = sp->protocol.on_heartbeat_request(v, from, clock::now(), unix_ms(), out);
  if (!r.refusal.empty()) {
    spdlog::warn("membership: refused a heartbeat from '{}': {}", v.self, r.refusal);
    return make_error(errc::refused, r.refusal);
  }
  carry_out(self, sp, std::move(out));
  return std::move(r.view);
}

actor_stats make_stats(self_ptr self, const state& st) {
  auto row = stats_row(self, "membership", st.handled);
  membership_stats s;
  static_cast<membership_counters&>(s) = st.protocol.counters();
  put_stats(row, s);
  return row;
}

} // namespace

// Long on purpose: one short handler per message of membership's interface, read as one list.
membership_actor::behavior_type membership(membership_actor::pointer self, membership_config cfg) {
  auto s = settings_of(cfg);
  auto sp = std::make_shared<state>(std::move(cfg), std::move(s));
  self->set_down_handler([=](caf::down_msg& dm) {
    for (auto it = sp->fronts.begin(); it != sp->fronts.end(); ++it)
      if (it->second.address() == dm.source) {
        auto id = it->first;
        sp->fronts.erase(it);
        carry_out(self, sp, sp->protocol.on_connection_lost(id, clock::now()));
        return;
      }
  });
  self->send(self, tick_atom::value);
  publish_routes(self, *sp);
  return {
    [=](members_atom) {
      ++sp->handled;
      return sp->protocol.view(unix_ms(), true);
    },
    [=](join_atom, const member_info& m) -> caf::result<membership_view> {
      ++sp->handled;
      membership_protocol::actions out;
      auto r = sp->protocol.on_join_request(m, clock::now(), unix_ms(), out);
      if (!r.refusal.empty()) {
        spdlog::warn("membership: refused {} at {}: {}", m.id, m.address, r.refusal);
        return make_error(errc::refused, r.refusal);
      }
      carry_out(self, sp, std::move(out));
      return std::move(r.view);
    },
    [=](heartbeat_atom, const membership_view& v) -> caf::result<membership_view> {
      ++sp->handled;
      return on_heartbeat(self, sp, v);
    },
    [=](delete_atom, const std::string& id) -> caf::result<bool> {
      ++sp->handled;
      membership_protocol::actions out;
      bool removed = false;
      auto why = sp->protocol.on_delete(id, removed, out);
      if (!why.empty())
        return make_error(errc::refused, why);
      carry_out(self, sp, std::move(out));
      return removed;
    },
    [=](leave_atom, const std::string& id) {
      ++sp->handled;
      carry_out(self, sp, sp->protocol.on_leave_notice(id));
    },
    [=](leave_atom) -> caf::result<bool> {
      carry_out(self, sp, sp->protocol.on_leave_self());
      return true;
    },
    [=](tick_atom) {
      carry_out(self, sp, sp->protocol.on_tick(clock::now(), unix_ms()));
      self->delayed_send(self, sp->cfg.heartbeat_interval, tick_atom::value);
    },
    [=](stats_atom) { return make_stats(self, *sp); },
  };
}

} // namespace ac
