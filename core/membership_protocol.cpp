// Cluster membership as a pure state machine (see membership_protocol.hpp).
// Stays one file (~530 lines): one state machine; its transitions and events share the peers.
#include "core/membership_protocol.hpp"

#include "core/enum_names.hpp"
#include "core/host_port.hpp"
#include "core/rendezvous_ring.hpp"

namespace ac {

namespace {

// The words of `members`, JSON and INFO, in the order of member_state's enumerators.
constexpr std::array<std::string_view, 4> member_state_names{"suspect", "alive", "down", "left"};
static_assert(member_state_names.size() == static_cast<size_t>(member_state::left) + 1);

constexpr std::string_view seed_prefix = "seed:";

bool is_placeholder(const std::string& id) { return id.rfind(seed_prefix, 0) == 0; }

membership_action act(membership_action::kind k, std::string id = {}) {
  membership_action a{k, std::move(id)};
  return a;
}

membership_action log_line(std::string text, bool warn = false) {
  auto a = act(membership_action::kind::log);
  a.reason = std::move(text);
  a.warn = warn;
  return a;
}

} // namespace

std::string_view to_string(member_state s) {
  return enum_name(member_state_names, s, std::string_view{"suspect"});
}

std::optional<member_state> parse_member_state(std::string_view word) {
  return enum_parse<member_state>(member_state_names, word);
}

membership_protocol::membership_protocol(membership_settings s) : cfg_(std::move(s)) {
  for (const auto& seed : cfg_.seeds) {
    if (seed == cfg_.address)
      continue;
    peer p;
    p.info.id = std::string{seed_prefix} + seed;
    p.info.address = seed;
    peers_.emplace(p.info.id, std::move(p));
  }
}

member_info membership_protocol::self_info(int64_t unix_ms) const {
  member_info m;
  m.id = cfg_.self_id;
  m.address = cfg_.address;
  m.state = leaving_ ? member_state::left : member_state::alive;
  m.epoch = epoch_;
  m.last_heartbeat_ms = unix_ms;
  m.resp_address = cfg_.resp_address;
  m.signature = cfg_.signature;
  return m;
}

membership_view membership_protocol::view(int64_t unix_ms, bool shares) const {
  membership_view v;
  v.epoch = epoch_;
  v.self = cfg_.self_id;
  v.members.push_back(self_info(unix_ms));
  for (const auto& [id, p] : peers_)
    if (!is_placeholder(id))
      v.members.push_back(p.info);
  if (shares) {
    std::vector<std::string> alive;
    for (const auto& m : v.members)
      if (m.state == member_state::alive)
        alive.push_back(m.id);
    rendezvous_ring ring;
    ring.set_members(alive);
    for (auto& m : v.members)
      m.share = m.state == member_state::alive ? ring.share_of(m.id, 20000) : 0;
  }
  return v;
}

membership_routes membership_protocol::routes() const {
  membership_routes r;
  r.epoch = epoch_;
  r.heals = heals_;
  if (!leaving_) {
    r.ids.push_back(cfg_.self_id);
    r.resp_addresses.push_back(cfg_.resp_address);
  }
  for (const auto& [id, p] : peers_)
    if (p.info.state == member_state::alive && p.connected) {
      r.ids.push_back(id);
      r.resp_addresses.push_back(p.info.resp_address);
    } else if (p.info.state == member_state::left && p.connected) {
      r.draining.push_back(id);
    }
  return r;
}

membership_counters membership_protocol::counters() const {
  membership_counters c;
  auto n = [](uint64_t v) { return static_cast<int64_t>(v); };
  c.epoch = n(epoch_);
  c.alive = 1;
  for (const auto& kv : peers_)
    c.alive += kv.second.info.state == member_state::alive;
  c.members = n(peers_.size() + 1);
  c.joins = n(joins_);
  c.downs = n(downs_);
  c.heartbeats = n(heartbeats_);
  c.refused = n(refused_);
  c.heals = n(heals_);
  return c;
}

std::optional<member_state> membership_protocol::state_of(const std::string& id) const {
  if (id == cfg_.self_id)
    return leaving_ ? member_state::left : member_state::alive;
  auto it = peers_.find(id);
  if (it == peers_.end())
    return std::nullopt;
  return it->second.info.state;
}

// -- transitions ----------------------------------------------------------------------------

void membership_protocol::set_state(peer& p, member_state s, actions& out) {
  if (p.info.state == s)
    return;
  out.push_back(log_line("membership: " + p.info.id + " " + std::string{to_string(p.info.state)}
                         + " -> " + std::string{to_string(s)}));
  p.info.state = s;
  p.info.epoch = ++epoch_;
  if (s == member_state::down) {
    ++downs_;
    p.lost = true;
  } else if (s == member_state::left) {
    p.lost = false; // it left cleanly: what it served then was this side's as well
  } else if (s == member_state::alive && p.lost) {
    p.lost = false;
    ++heals_;
    out.push_back(log_line("membership: " + p.info.id + " is back after being down (heal "
                           + std::to_string(heals_) + ")"));
  }
  out.push_back(act(membership_action::kind::publish));
}

void membership_protocol::connect(const std::string& id, actions& out) {
  auto it = peers_.find(id);
  if (it == peers_.end() || it->second.connecting || it->second.info.state == member_state::left)
    return;
  auto a = act(membership_action::kind::connect, id);
  // The address came over the network: the one parser checks it, never std::stoi.
  auto hp = parse_host_port(it->second.info.address);
  if (hp) {
    a.host = hp->host;
    a.port = hp->port;
  } else {
    out.push_back(log_line(
      "membership: cannot connect to " + id + ": bad address '" + it->second.info.address + "'",
      true));
    return;
  }
  it->second.connecting = true;
  out.push_back(std::move(a));
}

// New members are added (and connected); leaves spread; "down" does not (each node decides
// that from its own heartbeats).
void membership_protocol::merge(const membership_view& v, actions& out) {
  bool changed = false;
  for (const auto& m : v.members) {
    if (m.id == cfg_.self_id) {
      // The peer had marked this node down: it was paused or cut off, and the peer's side
      // took over its keys meanwhile. That is a heal from here too, even when this node's
      // own timers never noticed the gap (a stopped process, a VM pause).
      if (auto sender = peers_.find(v.self); sender != peers_.end()) {
        bool down_there = m.state == member_state::down;
        if (down_there && !sender->second.saw_me_down) {
          ++heals_;
          changed = true;
          out.push_back(log_line("membership: " + v.self + " had marked this node down (heal "
                                 + std::to_string(heals_) + ")"));
        }
        sender->second.saw_me_down = down_there;
      }
      continue;
    }
    auto it = peers_.find(m.id);
    if (it == peers_.end()) {
      if (m.state != member_state::alive)
        continue;
      peer p;
      p.info = m;
      p.info.state = member_state::suspect; // alive once we reach it ourselves
      peers_.emplace(m.id, std::move(p));
      changed = true;
      connect(m.id, out);
    } else if (m.state == member_state::left && m.id == v.self
               && it->second.info.state != member_state::left) {
      set_state(it->second, member_state::left, out);
    } else if ((it->second.info.address != m.address
                || it->second.info.resp_address != m.resp_address)
               && m.state == member_state::alive && m.id == v.self) {
      it->second.info.address = m.address; // restarted on another port
      it->second.info.resp_address = m.resp_address;
      if (it->second.connected) {
        it->second.connected = false;
        out.push_back(act(membership_action::kind::forget, m.id));
      }
      changed = true;
    }
  }
  if (v.epoch > epoch_) {
    epoch_ = v.epoch;
    changed = true;
  }
  if (changed)
    out.push_back(act(membership_action::kind::publish));
}

// A peer contacted us directly (join or heartbeat): that is proof it is alive.
void membership_protocol::heard_from(const member_info& m, clock::time_point now, int64_t unix_ms,
                                     actions& out) {
  if (m.id == cfg_.self_id)
    return;
  auto [it, fresh] = peers_.try_emplace(m.id);
  auto& p = it->second;
  // A member we saw leave that calls itself alive again was restarted (same id, maybe the
  // same address): take it back like a new member instead of ignoring it as "left".
  bool rejoined = p.info.state == member_state::left && m.state == member_state::alive;
  if (fresh || rejoined || p.info.address != m.address || p.info.resp_address != m.resp_address) {
    p.info = m;
    p.info.state = member_state::suspect;
    if (p.connected) {
      p.connected = false;
      out.push_back(act(membership_action::kind::forget, m.id));
    }
  }
  if (m.state == member_state::left) {
    p.last_seen = now;
    p.info.last_heartbeat_ms = unix_ms;
    set_state(p, member_state::left, out);
    return;
  }
  if (!p.connected) {
    p.last_seen = now;
    p.info.last_heartbeat_ms = unix_ms;
    connect(m.id, out);
  } else {
    heard_directly(p, now, unix_ms, out);
  }
}

void membership_protocol::heard_directly(peer& p, clock::time_point now, int64_t unix_ms,
                                         actions& out) {
  p.last_seen = now;
  p.info.last_heartbeat_ms = unix_ms;
  if (p.info.state != member_state::left)
    set_state(p, member_state::alive, out);
}

// Why a node may not join (empty when it may): its id is this node's or a live member's at
// another address (a restart on the same address, or after the old one's connection broke,
// is a rejoin), or its L2 settings or loader kind differ from this cluster's.
std::string membership_protocol::refusal_of(const member_info& m) const {
  if (m.id == cfg_.self_id && m.address != cfg_.address)
    return "node.id '" + m.id + "' is already a live member (at " + cfg_.address + ")";
  if (auto it = peers_.find(m.id); it != peers_.end()) {
    const auto& p = it->second;
    if (p.info.state == member_state::alive && p.connected && p.info.address != m.address)
      return "node.id '" + m.id + "' is already a live member (at " + p.info.address + ")";
  }
  if (!m.signature.empty() && !cfg_.signature.empty() && m.signature != cfg_.signature)
    return "its settings differ from the cluster's: this cluster has '" + cfg_.signature
           + "', the joining node '" + m.signature + "'";
  return {};
}

// Heartbeats change membership, so they come from members: the sender must be on the node of
// the member it says it is, and a node we do not know yet (it joined through another member)
// is judged like a join.
std::string membership_protocol::heartbeat_refusal(const membership_view& v,
                                                   const heartbeat_sender& from) const {
  const member_info* m = nullptr;
  for (const auto& x : v.members)
    if (x.id == v.self)
      m = &x;
  if (m == nullptr)
    return "a heartbeat without its sender's own entry";
  if (from.anonymous)
    return "an anonymous heartbeat";
  if (from.local)
    return {};
  if (v.self == cfg_.self_id)
    return "a heartbeat from another node that claims to be this one";
  if (auto it = peers_.find(v.self);
      it != peers_.end() && it->second.info.state != member_state::left) {
    if (it->second.connected && !from.matches_connection)
      return "a heartbeat that claims to be member '" + v.self + "' from another node";
    return {};
  }
  return refusal_of(*m);
}

// -- events -----------------------------------------------------------------------------------

membership_protocol::actions membership_protocol::on_tick(clock::time_point now, int64_t unix_ms) {
  actions out;
  // A tick far later than asked means this process stood still (SIGSTOP, a VM pause, a
  // starved machine) past the failure timeout: its peers declared it down and took over its
  // keys, whatever its own view says. That is a heal, as if they had come back.
  if (last_tick_ != clock::time_point{} && now - last_tick_ > cfg_.failure_timeout) {
    bool had_peers = false;
    for (const auto& kv : peers_)
      had_peers |= kv.second.info.state == member_state::alive;
    if (had_peers) {
      ++heals_;
      auto gap = std::chrono::duration_cast<std::chrono::milliseconds>(now - last_tick_);
      out.push_back(log_line(
        "membership: this node stood still for " + std::to_string(gap.count())
          + " ms (failure timeout " + std::to_string(cfg_.failure_timeout.count())
          + " ms): its peers took over its keys meanwhile (heal " + std::to_string(heals_) + ")",
        true));
      out.push_back(act(membership_action::kind::publish));
    }
  }
  last_tick_ = now;
  // A seed placeholder goes once a member with its address is known by its real id.
  for (auto it = peers_.begin(); it != peers_.end();) {
    bool known = false;
    if (is_placeholder(it->first))
      for (const auto& kv : peers_)
        known |= kv.first != it->first && kv.second.info.address == it->second.info.address;
    if (known && it->second.connected)
      out.push_back(act(membership_action::kind::forget, it->first));
    it = known ? peers_.erase(it) : std::next(it);
  }
  for (auto& [id, p] : peers_) {
    if (p.info.state == member_state::left)
      continue;
    if (p.info.state == member_state::alive && now - p.last_seen > cfg_.failure_timeout)
      set_state(p, member_state::down, out);
    if (!p.connected) {
      if (now >= p.next_connect)
        connect(id, out);
      continue;
    }
    if (p.heartbeat_out)
      continue;
    p.heartbeat_out = true;
    ++heartbeats_;
    auto a = act(membership_action::kind::heartbeat, id);
    a.view = view(unix_ms, false);
    out.push_back(std::move(a));
  }
  return out;
}

bool membership_protocol::on_connected(const std::string& id, actions& out) {
  auto it = peers_.find(id);
  if (it == peers_.end())
    return false;
  it->second.connecting = false;
  it->second.connected = true;
  out.push_back(act(membership_action::kind::join, id));
  return true;
}

void membership_protocol::on_connect_failed(const std::string& id, clock::time_point now) {
  auto it = peers_.find(id);
  if (it == peers_.end())
    return;
  it->second.connecting = false;
  it->second.next_connect = now + cfg_.failure_timeout / 2;
}

membership_protocol::actions membership_protocol::on_join_answer(const std::string& id,
                                                                 const membership_view& v,
                                                                 clock::time_point now,
                                                                 int64_t unix_ms) {
  actions out;
  auto it = peers_.find(id);
  if (it != peers_.end() && id != v.self) {
    // A seed placeholder learns its real id.
    auto p = std::move(it->second);
    peers_.erase(it);
    auto [real, fresh] = peers_.try_emplace(v.self, p);
    if (fresh)
      real->second.info.id = v.self;
    else if (!real->second.connected)
      real->second.connected = p.connected;
    out.push_back(act(membership_action::kind::rename, id));
    out.back().to = v.self;
    it = real;
  }
  if (it != peers_.end()) {
    // It took our join: alive, even if we had seen it leave (it was restarted meanwhile).
    if (it->second.info.state == member_state::left)
      set_state(it->second, member_state::alive, out);
    heard_directly(it->second, now, unix_ms, out);
    out.push_back(act(membership_action::kind::publish));
  }
  merge(v, out);
  return out;
}

membership_protocol::actions membership_protocol::on_join_failed(
  const std::string& id, const std::string& refused_reason) {
  actions out;
  if (!refused_reason.empty()) {
    auto a = act(membership_action::kind::refused, id);
    a.reason = refused_reason;
    out.push_back(std::move(a));
  }
  return out;
}

membership_protocol::actions membership_protocol::on_heartbeat_answer(const std::string& id,
                                                                      const membership_view& v,
                                                                      clock::time_point now,
                                                                      int64_t unix_ms) {
  actions out;
  auto it = peers_.find(id);
  if (it == peers_.end())
    return out;
  it->second.heartbeat_out = false;
  heard_directly(it->second, now, unix_ms, out);
  merge(v, out);
  return out;
}

void membership_protocol::on_heartbeat_failed(const std::string& id) {
  if (auto it = peers_.find(id); it != peers_.end())
    it->second.heartbeat_out = false;
}

membership_protocol::actions membership_protocol::on_connection_lost(const std::string& id,
                                                                     clock::time_point now) {
  actions out;
  auto it = peers_.find(id);
  if (it == peers_.end())
    return out;
  auto& p = it->second;
  bool was_draining = p.connected && p.info.state == member_state::left;
  p.connected = false;
  p.heartbeat_out = false;
  p.next_connect = now + cfg_.heartbeat_interval;
  if (p.info.state == member_state::alive)
    set_state(p, member_state::down, out);
  else if (was_draining)
    out.push_back(act(membership_action::kind::publish)); // it finished: nobody to ask any more
  return out;
}

membership_reply membership_protocol::on_join_request(const member_info& m, clock::time_point now,
                                                      int64_t unix_ms, actions& out) {
  membership_reply r;
  r.refusal = refusal_of(m);
  if (!r.refusal.empty()) {
    ++refused_;
    return r;
  }
  ++joins_;
  heard_from(m, now, unix_ms, out);
  r.view = view(unix_ms, false);
  return r;
}

membership_reply membership_protocol::on_heartbeat_request(const membership_view& v,
                                                           const heartbeat_sender& from,
                                                           clock::time_point now, int64_t unix_ms,
                                                           actions& out) {
  membership_reply r;
  r.refusal = heartbeat_refusal(v, from);
  if (!r.refusal.empty()) {
    ++refused_;
    return r;
  }
  for (const auto& m : v.members)
    if (m.id == v.self)
      heard_from(m, now, unix_ms, out);
  merge(v, out);
  r.view = view(unix_ms, false);
  return r;
}

membership_protocol::actions membership_protocol::on_leave_notice(const std::string& id) {
  actions out;
  if (auto it = peers_.find(id); it != peers_.end())
    set_state(it->second, member_state::left, out);
  return out;
}

std::string membership_protocol::on_delete(const std::string& id, bool& removed, actions& out) {
  removed = false;
  if (id == cfg_.self_id)
    return "'" + id + "' is the node asked; a node leaves the cluster when it stops (SIGTERM)";
  auto it = peers_.find(id);
  if (it == peers_.end())
    return {};
  // Only our own evidence counts: a member we hear from is alive, whatever the caller thinks.
  if (it->second.info.state == member_state::alive)
    return "member '" + id + "' is alive; only a down or left member can be removed";
  out.push_back(log_line("membership: removed member " + id + " ("
                         + std::string{to_string(it->second.info.state)} + ")"));
  if (it->second.connected)
    out.push_back(act(membership_action::kind::forget, id));
  peers_.erase(it);
  ++epoch_;
  removed = true;
  out.push_back(act(membership_action::kind::publish));
  return {};
}

membership_protocol::actions membership_protocol::on_leave_self() {
  actions out;
  leaving_ = true;
  ++epoch_;
  for (const auto& [id, p] : peers_)
    if (p.connected && p.info.state != member_state::left)
      out.push_back(act(membership_action::kind::leave, id));
  out.push_back(act(membership_action::kind::publish));
  return out;
}

} // namespace ac
