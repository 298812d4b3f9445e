// The front gate (see front_gate.hpp).
#include "actors/front_gate.hpp"
#include "actors/stats_helpers.hpp"

#include <spdlog/spdlog.h>

#include "messages/errors.hpp"
#include "messages/kind_stats.hpp"

namespace ac {

namespace {

/// Relays a client's data request to the front and its answer back, counting an error
/// answer in the node's tally. Why not `delegate`: the answer would then go from whichever
/// shard, coalescer or owner node made it straight to the client, and no single place would
/// see every error a client got. The cost is one local message per answer.
template <class R, class... Ts>
caf::result<R> relay(front_gate_actor self, Ts&&... xs) {
  ++self->state.handled;
  auto rp = self->make_response_promise<R>();
  self->request(self->state.front, self->state.relay_timeout, std::forward<Ts>(xs)...)
    .then([rp](R& r) mutable { rp.deliver(std::move(r)); },
          [self, rp](caf::error& err) mutable {
            if (self->state.errors)
              self->state.errors->add(err.category() == errc_category ? err.code() : 0);
            rp.deliver(std::move(err));
          });
  return rp;
}

} // namespace

// Long on purpose: one line per message the gate lets through (its allow-list), read as one list.
front_actor::behavior_type front_gate(front_gate_actor self, node_front_actor front,
                                      std::shared_ptr<error_tally> errors,
                                      caf::timespan relay_timeout) {
  self->state.front = std::move(front);
  self->state.errors = std::move(errors);
  self->state.relay_timeout = relay_timeout;
  self->set_default_handler(
    [self](caf::scheduled_actor*, caf::message_view&) -> caf::result<caf::message> {
      ++self->state.refused;
      auto& sender = self->current_sender();
      spdlog::warn("front gate: dropped a message outside the client and peer interfaces from {}",
                   sender ? caf::to_string(sender->node()) : std::string{"an anonymous sender"});
      return caf::make_error(caf::sec::unexpected_message);
    });
  // The front is linked: a node without its front must not keep a published gate.
  self->link_to(self->state.front);
  auto pass = [self](auto&&... xs) {
    ++self->state.handled;
    return self->delegate(self->state.front, std::forward<decltype(xs)>(xs)...);
  };
  return {
    // -- client interface --
    [=](get_atom a, std::string& k) { return relay<lookup_result>(self, a, std::move(k)); },
    [=](get_many_atom a, std::vector<std::string>& ks) {
      return relay<lookup_results>(self, a, std::move(ks));
    },
    [=](put_atom a, std::string& k, std::string& v, uint32_t ttl) {
      return relay<uint8_t>(self, a, std::move(k), std::move(v), ttl);
    },
    [=](delete_atom a, std::string& k) { return relay<bool>(self, a, std::move(k)); },
    [=](report_atom a) { return pass(a); },
    [=](stats_atom) -> caf::result<actor_stats> {
      // The gate's own row: the front reports itself through the metrics actor.
      auto row = stats_row(self, "front_gate", self->state.handled, "front_gate");
      front_gate_stats s;
      s.refused = static_cast<int64_t>(self->state.refused);
      put_stats(row, s);
      return row;
    },
    [=](members_atom a) { return pass(a); },
    [=](members_atom a, delete_atom d, std::string& id) { return pass(a, d, std::move(id)); },
    [=](keyspace_atom a, uint8_t op, std::string& k, int64_t arg) {
      return relay<int64_t>(self, a, op, std::move(k), arg);
    },
    [=](scan_atom a, uint64_t cursor, std::string& pattern, uint32_t n) {
      return pass(a, cursor, std::move(pattern), n);
    },
    [=](flush_atom a) { return pass(a); },
    // -- peer interface --
    [=](route_atom r, get_atom a, std::string& k, uint64_t e) {
      return pass(r, a, std::move(k), e);
    },
    [=](route_atom r, get_many_atom a, std::vector<std::string>& ks, uint64_t e) {
      return pass(r, a, std::move(ks), e);
    },
    [=](route_atom r, put_atom a, std::string& k, std::string& v, uint32_t ttl, uint64_t e) {
      return pass(r, a, std::move(k), std::move(v), ttl, e);
    },
    [=](route_atom r, put_atom a, std::string& k, std::string& v, uint32_t ttl, uint8_t c,
        uint64_t e) { return pass(r, a, std::move(k), std::move(v), ttl, c, e); },
    [=](route_atom r, keyspace_atom a, uint8_t op, std::string& k, int64_t arg, uint64_t e) {
      return pass(r, a, op, std::move(k), arg, e);
    },
    [=](route_atom r, lease_atom l, get_atom a, std::string& k, uint32_t ms, uint64_t e) {
      return pass(r, l, a, std::move(k), ms, e);
    },
    [=](route_atom r, lease_atom l, put_atom a, std::string& k, std::string& token,
        std::string& entry, uint32_t ttl, uint64_t e) {
      return pass(r, l, a, std::move(k), std::move(token), std::move(entry), ttl, e);
    },
    [=](route_atom r, lease_atom l, delete_atom a, std::string& k, std::string& token, uint64_t e) {
      return pass(r, l, a, std::move(k), std::move(token), e);
    },
    [=](route_atom r, lease_atom l, handoff_atom a, std::string& k, uint32_t ms, caf::actor& h,
        uint64_t e) { return pass(r, l, a, std::move(k), ms, std::move(h), e); },
    [=](route_atom r, delete_atom a, std::string& k, uint64_t e) {
      return pass(r, a, std::move(k), e);
    },
    [=](route_atom r, handoff_atom a, std::string& k, uint64_t e) {
      return pass(r, a, std::move(k), e);
    },
    [=](route_atom r, hot_atom a, uint32_t n, uint64_t e) { return pass(r, a, n, e); },
    [=](route_atom r, hot_atom a, uint32_t n, std::string& id, uint64_t e) {
      return pass(r, a, n, std::move(id), e);
    },
    [=](join_atom a, member_info& m) { return pass(a, std::move(m)); },
    [=](heartbeat_atom a, membership_view& v) { return pass(a, std::move(v)); },
    [=](leave_atom a, std::string& id) { pass(a, std::move(id)); },
    [=](invalidate_atom a, std::string& k) { pass(a, std::move(k)); },
  };
}

} // namespace ac
