// Cluster membership as a pure state machine: events in (ticks, joins, heartbeats and their answers, lost connections), actions out (connect, join, heartbeat, leave, publish).
//
// The model is a full mesh with push-pull gossip, as in SWIM/memberlist without the indirect
// probes: every member heartbeats every other, so each node decides "down" from its own
// evidence; gossip only introduces members and spreads leaves, never "down". The actor
// (actors/membership.cpp) owns the connections and timers and carries the actions out; this
// unit owns every decision, so each transition is unit-tested without an actor system.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/member_info.hpp"
#include "core/membership_counters.hpp"

namespace ac {

struct membership_settings {
  std::string self_id;
  std::string address;      ///< announced host:port of this node's CAF port
  std::string resp_address; ///< announced host:port of its RESP port; "" = none
  /// What members must agree on (L2 settings, loader kind): a node that differs is refused.
  std::string signature;
  std::vector<std::string> seeds; ///< host:port of members to join through
  std::chrono::milliseconds heartbeat_interval{500};
  std::chrono::milliseconds failure_timeout{3000}; ///< silent this long: down
};

/// What the actor must do after an event, in order.
struct membership_action {
  enum class kind : uint8_t {
    connect, ///< open a connection to `id` at host:port; answer on_connected / on_connect_failed
    join, ///< on the new connection to `id`: send join(self_info()); answer on_join_answer / on_join_failed
    heartbeat, ///< send heartbeat(view) to `id`; answer on_heartbeat_answer / on_heartbeat_failed
    leave,     ///< tell `id` that this node leaves
    forget,    ///< drop the connection handle of `id` (it restarted elsewhere, or is gone)
    rename,    ///< the connection known as `id` belongs to member `to` (a seed learned its id)
    publish,   ///< the routes changed: hand routes() to the front
    refused,   ///< the cluster refuses this node (`reason`): stop
    log,       ///< worth a log line (`reason`; at warning level when `warn`)
  };
  kind what;
  std::string id;
  std::string host;     ///< connect
  uint16_t port = 0;    ///< connect
  membership_view view; ///< heartbeat
  std::string to;       ///< rename
  std::string reason;   ///< refused, log
  bool warn = false;    ///< log
};

/// Who owns keys now, as the front needs it.
struct membership_routes {
  uint64_t epoch = 0;
  std::vector<std::string> ids;            ///< alive and connected members, this node first
  std::vector<std::string> resp_addresses; ///< ids[i]'s RESP host:port ("" = none)
  uint64_t heals = 0;                      ///< see membership_protocol::heals()
  /// Members that said they leave and are still connected: they own no keys, but finish the
  /// flights they had, so a key's new owner asks them before computing (core/ownership_handoff).
  std::vector<std::string> draining;
};

/// Who sent a heartbeat, as far as the transport can tell (the protocol cannot see nodes).
struct heartbeat_sender {
  bool anonymous = false; ///< no sender at all
  bool local = false;     ///< an actor of this very node (tests, in-process tools)
  /// The sender is on the node this node's connection to the claimed member leads to (true
  /// when there is no such connection).
  bool matches_connection = true;
};

/// The answer to a join or a heartbeat: a refusal, or this node's view.
struct membership_reply {
  std::string refusal; ///< non-empty: refused, with why
  membership_view view;
};

/// The counters of the stats row.

class membership_protocol {
public:
  using clock = std::chrono::steady_clock;
  using actions = std::vector<membership_action>;

  /// Seeds become placeholders ("seed:host:port", suspect) until they answer a join.
  explicit membership_protocol(membership_settings s);

  /// This node's own entry (alive, or left once it leaves).
  member_info self_info(int64_t unix_ms) const;
  /// The member list as this node sees it, without seed placeholders; with `shares`, each
  /// alive member's share of the keys (rendezvous hashing).
  membership_view view(int64_t unix_ms, bool shares) const;
  membership_routes routes() const;
  membership_counters counters() const;
  /// Heals seen since start: a member back after this node had marked it down, a peer whose
  /// view had this node down, or this node standing still past the failure timeout. Both
  /// sides of a partition took over each other's keys meanwhile, so the front drops L1.
  uint64_t heals() const { return heals_; }
  uint64_t epoch() const { return epoch_; }
  /// A member's state; nullopt for an unknown id.
  std::optional<member_state> state_of(const std::string& id) const;

  // -- events -------------------------------------------------------------------------------

  /// Every heartbeat interval: pause detection, seed placeholders, failure detection,
  /// reconnects, one heartbeat per connected member (at most one out per member).
  actions on_tick(clock::time_point now, int64_t unix_ms);

  /// The connection to `id` is up: false when `id` is no member any more (drop the handle).
  bool on_connected(const std::string& id, actions& out);
  void on_connect_failed(const std::string& id, clock::time_point now);
  /// The member reached as `id` answered our join with its view.
  actions on_join_answer(const std::string& id, const membership_view& v, clock::time_point now,
                         int64_t unix_ms);
  /// `refused_reason` non-empty: the cluster refuses this node (a `refused` action).
  actions on_join_failed(const std::string& id, const std::string& refused_reason);
  actions on_heartbeat_answer(const std::string& id, const membership_view& v,
                              clock::time_point now, int64_t unix_ms);
  void on_heartbeat_failed(const std::string& id);
  /// The connection to `id` broke (the transport's monitor fired).
  actions on_connection_lost(const std::string& id, clock::time_point now);

  /// A node asks to join through this one.
  membership_reply on_join_request(const member_info& m, clock::time_point now, int64_t unix_ms,
                                   actions& out);
  /// A member's push-pull heartbeat.
  membership_reply on_heartbeat_request(const membership_view& v, const heartbeat_sender& from,
                                        clock::time_point now, int64_t unix_ms, actions& out);
  /// A member says it leaves.
  actions on_leave_notice(const std::string& id);
  /// An operator removes a down or left member; the refusal (empty when removed or unknown)
  /// and whether it was removed.
  std::string on_delete(const std::string& id, bool& removed, actions& out);
  /// This node leaves: tell every connected member.
  actions on_leave_self();

private:
  struct peer {
    member_info info;
    bool connected = false;           ///< the actor holds a connection handle
    clock::time_point last_seen{};    ///< last direct contact
    bool connecting = false;          ///< a connect is out
    bool heartbeat_out = false;       ///< a heartbeat is out (at most one)
    clock::time_point next_connect{}; ///< earliest next connect attempt
    /// Marked down by this node and not yet back: while it was away each side owned the
    /// other's keys, so its return is a heal (not so for a member that left and restarts).
    bool lost = false;
    bool saw_me_down = false; ///< its last view had this node down (this node was away)
  };

  void set_state(peer& p, member_state s, actions& out);
  void merge(const membership_view& v, actions& out);
  void connect(const std::string& id, actions& out);
  void heard_from(const member_info& m, clock::time_point now, int64_t unix_ms, actions& out);
  /// `p` answered or called us just now: it is alive (unless it said it left).
  void heard_directly(peer& p, clock::time_point now, int64_t unix_ms, actions& out);
  std::string refusal_of(const member_info& m) const;
  std::string heartbeat_refusal(const membership_view& v, const heartbeat_sender& from) const;

  membership_settings cfg_;
  uint64_t epoch_ = 1;
  std::map<std::string, peer> peers_; ///< every member but this node
  uint64_t joins_ = 0, downs_ = 0, heartbeats_ = 0, refused_ = 0, heals_ = 0;
  clock::time_point last_tick_{};
  bool leaving_ = false;
};

} // namespace ac
