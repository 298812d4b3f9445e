// RESP commands of actorcache's own: AC.OWNER, AC.MEMBERS, AC.TENSOR.SET/GET and the leases (AC.GETORLEASE, AC.FILL, AC.ABANDON).
#include "actors/remote_watch.hpp"
#include "actors/resp_command_parts.hpp"
#include "actors/resp_session_io.hpp"

#include <algorithm>
#include <chrono>

#include "core/lease_table.hpp"

namespace ac::resp_cmd {

void cmd_owner(self_ptr self, const route_snapshot& snap, const std::string& key) {
  auto addr = snap.ids.size() < 2
                ? self->state.env->node_host + ":" + std::to_string(self->state.env->resp_port)
                : snap.owner_resp_address(key_hash(key));
  if (addr.empty())
    return reply_error(self, "UNAVAILABLE the owner of this key has no RESP port");
  std::string out;
  resp::bulk(out, addr);
  reply_now(self, std::move(out));
}

void cmd_members(self_ptr self) {
  auto slot = open_slot(self);
  self->request(self->state.env->front, std::chrono::seconds(5), members_atom::value)
    .then(
      [self, slot](membership_view& v) {
        std::string out;
        resp::array(out, v.members.size());
        for (auto& m : v.members) {
          resp::array(out, 4);
          resp::bulk(out, m.id);
          resp::bulk(out, m.address);
          resp::bulk(out, m.resp_address);
          resp::bulk(out, std::string{to_string(m.state)});
        }
        deliver(self, slot, std::move(out));
      },
      fail_slot(self, slot));
}

void cmd_tensor_set(self_ptr self, const route_snapshot& snap, std::vector<std::string>& argv) {
  auto& env = *self->state.env;
  int64_t ttl_s = 0;
  if (argv.size() == 7 && resp::to_lower(argv[5]) == "ex") {
    if (!resp::parse_int(argv[6], ttl_s) || ttl_s <= 0 || ttl_s > (int64_t{1} << 30))
      return reply_error(self, "ERR invalid expire time in 'ac.tensor.set' command");
  } else if (argv.size() != 5) {
    return reply_error(self, "ERR syntax error");
  }
  auto dtype = parse_dtype(argv[2]);
  if (!dtype)
    return reply_error(self, "ERR unknown dtype '" + argv[2] + "'");
  entry e;
  e.kind = value_kind::tensor;
  e.dtype = *dtype;
  if (!parse_shape(argv[3], e.shape))
    return reply_error(self, "ERR invalid shape '" + argv[3] + "' (want d0,d1,...)");
  if (auto p = finish_entry(env, e, argv[4], ttl_s); !p.empty())
    return reply_error(self, p);
  auto slot = open_slot(self);
  put_value(
    self, snap, argv[1], encode_entry(e), static_cast<uint32_t>(ttl_s), put_if::always,
    [self, slot](put_status) { deliver(self, slot, "+OK\r\n"); }, fail_slot(self, slot));
}

void cmd_tensor_get(self_ptr self, const route_snapshot& snap, const std::string& key) {
  auto slot = open_slot(self);
  ask_owner(
    snap, key_hash(key),
    [self, slot](lookup_result& r) {
      if (!r.found)
        return deliver(self, slot, "$-1\r\n");
      std::string out;
      std::string_view payload;
      if (!append_tensor_head(out, r.value, payload))
        return deliver(self, slot, error_reply(self, "BADVALUE the stored entry does not decode"));
      resp::bulk(out, payload);
      deliver(self, slot, std::move(out));
    },
    fail_slot(self, slot), AC_ASK(self, snap, get_atom::value, key));
}

// -- leases -------------------------------------------------------------------------------------

/// ask_owner for the lease keeper: `lease_atom, xs...` to the local one, or routed to the owner
/// node's front (`route_atom, lease_atom, xs..., epoch`). A failure is the reply in `slot`.
template <class Timeout, class OnOk, class... Ts>
void ask_lease_owner(self_ptr self, const route_snapshot& snap, uint64_t slot, Timeout timeout,
                     OnOk on_ok, const std::string& key, Ts&&... xs) {
  // Forwarded into whichever request is sent (one of the two): a fill's value is not copied.
  if (auto peer = snap.owner_front(key_hash(key)))
    self
      ->request(peer, timeout, route_atom::value, lease_atom::value, std::forward<Ts>(xs)...,
                snap.epoch)
      .then(std::move(on_ok), fail_slot(self, slot));
  else
    self->request(self->state.env->leases, timeout, lease_atom::value, std::forward<Ts>(xs)...)
      .then(std::move(on_ok), fail_slot(self, slot));
}

void append_lease_reply(std::string& out, lease_reply& r) {
  if (r.leased) {
    resp::array(out, 2);
    resp::bulk(out, "lease");
    resp::bulk(out, r.token);
    return;
  }
  std::string_view payload;
  if (!append_lease_value_head(out, r.entry, payload)) {
    resp::array(out, 2); // a bug, not input (shards check every value): an empty value
    resp::bulk(out, "value");
  }
  resp::bulk(out, payload);
}

void cmd_getorlease(self_ptr self, const route_snapshot& snap, std::vector<std::string>& argv) {
  auto lease_ms = lease_ms_of(argv[2]);
  if (!lease_ms)
    return reply_error(self, "ERR lease-ms must be a positive integer");
  auto ms = *lease_ms;
  // As long as the keeper keeps a caller in line (lease_table::longest_wait_ms).
  auto timeout = std::max<std::chrono::milliseconds>(
    self->state.env->request_timeout, std::chrono::milliseconds(lease_table::longest_wait_ms(ms)));
  auto slot = open_slot(self, timeout);
  auto& key = argv[1];
  auto answer = [self, slot](lease_reply& r) {
    std::string out;
    append_lease_reply(out, r);
    deliver(self, slot, std::move(out));
  };
  auto peer = snap.owner_front(key_hash(key));
  if (!peer)
    return ask_lease_owner(self, snap, slot, timeout, answer, key, get_atom::value, key, ms);
  // The wait may be long: should the owner go down meanwhile, the caller hears it at once (and
  // asks again: the key has a new owner), not after 3 x lease-ms.
  auto unwatch = watch_owner(self, peer, {slot});
  self
    ->request(peer, timeout, route_atom::value, lease_atom::value, get_atom::value, key, ms,
              snap.epoch)
    .then(
      [answer, unwatch](lease_reply& r) mutable {
        if (unwatch())
          answer(r);
      },
      [self, slot, unwatch](caf::error& err) {
        if (unwatch())
          fail_slot(self, slot)(err);
      });
}

void cmd_fill(self_ptr self, const route_snapshot& snap, std::vector<std::string>& argv) {
  auto& env = *self->state.env;
  entry e;
  e.kind = value_kind::bytes;
  int64_t ttl_s = 0;
  for (size_t i = 4; i < argv.size(); ++i) {
    auto opt = resp::to_lower(argv[i]);
    if (opt == "ex" && i + 1 < argv.size()) {
      if (!resp::parse_int(argv[i + 1], ttl_s) || ttl_s <= 0 || ttl_s > (int64_t{1} << 30))
        return reply_error(self, "ERR invalid expire time in 'ac.fill' command");
      ++i;
    } else if (opt == "tensor" && i + 2 < argv.size()) {
      auto dtype = parse_dtype(argv[i + 1]);
      if (!dtype)
        return reply_error(self, "ERR unknown dtype '" + argv[i + 1] + "'");
      if (!parse_shape(argv[i + 2], e.shape))
        return reply_error(self, "ERR invalid shape '" + argv[i + 2] + "' (want d0,d1,...)");
      e.kind = value_kind::tensor;
      e.dtype = *dtype;
      i += 2;
    } else {
      return reply_error(self, "ERR syntax error");
    }
  }
  if (auto p = finish_entry(env, e, argv[3], ttl_s); !p.empty())
    return reply_error(self, p);
  auto slot = open_slot(self);
  auto encoded = encode_entry(e);
  auto ttl = static_cast<uint32_t>(ttl_s);
  auto& key = argv[1];
  auto& token = argv[2];
  auto timeout = env.request_timeout;
  ask_lease_owner(
    self, snap, slot, timeout, [self, slot](bool) { deliver(self, slot, "+OK\r\n"); }, key,
    put_atom::value, key, token, std::move(encoded), ttl);
}

void cmd_abandon(self_ptr self, const route_snapshot& snap, std::vector<std::string>& argv) {
  auto slot = open_slot(self);
  auto& key = argv[1];
  auto& token = argv[2];
  auto timeout = self->state.env->request_timeout;
  ask_lease_owner(
    self, snap, slot, timeout, [self, slot](bool) { deliver(self, slot, "+OK\r\n"); }, key,
    delete_atom::value, key, token);
}

} // namespace ac::resp_cmd

namespace ac {

namespace {

/// How often a session that waits on other nodes looks whether the cluster has declared one of
/// them down: a frozen or cut-off node's link stands (no down message comes), and its requests
/// would wait out the edge's request timeout (loader + Redis + node timeouts).
constexpr auto owner_sweep_interval = std::chrono::milliseconds(250);

/// How often a session with replies owed by this node's own actors only looks for overdue
/// ones: a deadline is seconds away, and a thousand callers waiting on one compute should not
/// cost the clock thread four timers a second each.
constexpr auto slot_sweep_interval = std::chrono::seconds(1);

void answer_owner_gone(resp_session_actor* self, std::vector<std::vector<uint64_t>> waits) {
  for (auto& slots : waits)
    for (auto slot : slots)
      deliver(self, slot,
              resp_cmd::error_reply(
                self, "UNAVAILABLE the key's owner went down before it answered; ask again"));
}

} // namespace

owed_slots watch_owner(resp_session_actor* self, const front_actor& owner,
                       std::vector<uint64_t> slots) {
  auto w = watch_remote(self, self->state.remote_waits, owner, std::move(slots));
  arm_sweep(self);
  return {self, std::move(w.target), w.id};
}

void arm_sweep(resp_session_actor* self) {
  auto& st = self->state;
  if (st.sweep_armed || (st.slots.empty() && st.remote_waits.waits() == 0))
    return;
  st.sweep_armed = true;
  auto interval = st.remote_waits.waits() > 0 ? caf::timespan{owner_sweep_interval}
                                              : caf::timespan{slot_sweep_interval};
  self->delayed_send(self, interval, sweep_atom::value);
}

void owner_went_down(resp_session_actor* self, const caf::down_msg& dm) {
  answer_owner_gone(self, self->state.remote_waits.take(dm.source));
}

void sweep_session(resp_session_actor* self) {
  auto& st = self->state;
  st.sweep_armed = false;
  answer_owner_gone(self, take_waits_on_gone_nodes(st.remote_waits, st.routes.current()));
  std::vector<uint64_t> overdue;
  st.slot_deadlines.expire(
    ac_clock::now(), [&st](uint64_t slot) { return slot_owed(st, slot); },
    [&overdue](uint64_t slot) { overdue.push_back(slot); });
  if (!overdue.empty()) {
    auto reply =
      resp_cmd::error_reply(self, resp_error_text(make_error(caf::sec::request_timeout)));
    for (auto slot : overdue)
      deliver(self, slot, reply);
  }
  arm_sweep(self);
}

} // namespace ac
