// The lease keeper actor (see lease_keeper.hpp): asks L1 and L2 before granting, answers waiters by push.
//
// Who holds and who waits is core/lease_table's; this file is the I/O around it: the reads before
// a grant, the ask of a key's previous owner after a change of members, fills stored at the
// owner, tokens sent on to the node that granted them. One file of ~400 lines: those steps share
// the promises and the monitors of one actor.
#include "actors/lease_keeper.hpp"
#include "actors/remote_watch.hpp"
#include "actors/stats_helpers.hpp"

#include <random>

#include <spdlog/spdlog.h>

#include "core/key_normalization.hpp"
#include "core/ttl_clock.hpp"
#include "messages/errors.hpp"

namespace ac {

namespace {

using self_ptr = lease_actor::stateful_pointer<lease_keeper_state>;

/// The id of a connection that holds or asks for leases; monitored from the first time.
uint64_t holder_id(self_ptr self, const caf::actor& conn) {
  auto& st = self->state;
  if (!conn)
    return 0; // an anonymous sender holds nothing it could drop
  auto [it, fresh] = st.holder_ids.try_emplace(conn.address(), 0);
  if (fresh) {
    it->second = ++st.next_id;
    self->monitor(conn);
  }
  return it->second;
}

/// How long after a change of owners a new owner asks the previous one before granting a lease
/// of `lease_ms`, and how long the previous one then fences the key: a lease granted there just
/// before the change may be held by callers in line for as long as one waits.
std::chrono::milliseconds handoff_window(const lease_keeper_config& cfg, uint32_t lease_ms) {
  return std::chrono::milliseconds{lease_table::longest_wait_ms(lease_ms)} + cfg.request_timeout;
}

/// Answers the waiters the table handed a lease.
void hand_over(self_ptr self, std::vector<lease_table::grant>& grants) {
  auto& st = self->state;
  for (auto& g : grants) {
    auto it = st.waiting.find(g.waiter);
    if (it == st.waiting.end())
      continue; // its caller is gone: the lease runs out and passes on again
    ++st.counts.handed_over;
    it->second.deliver(lease_reply{true, g.token, {}});
    st.waiting.erase(it);
  }
  grants.clear();
}

/// Nothing stored and no lease elsewhere: a lease for this caller, or a place in the line.
void grant_or_wait(self_ptr self, const std::string& key, uint64_t holder, uint32_t lease_ms,
                   caf::typed_response_promise<lease_reply> rp) {
  auto& st = self->state;
  auto waiter = ++st.next_id;
  auto now = steady_ms();
  // The caller's request times out then (cmd_getorlease): it stops waiting at that time too.
  lease_table::caller c{waiter, holder, lease_ms, now + lease_table::longest_wait_ms(lease_ms)};
  std::string token;
  switch (st.table->ask(key, c, now, token)) {
    case lease_table::asked::granted:
      ++st.counts.granted;
      rp.deliver(lease_reply{true, std::move(token), {}});
      return;
    case lease_table::asked::waiting:
      ++st.counts.waited;
      st.waiting.emplace(waiter, std::move(rp));
      return;
    case lease_table::asked::overloaded:
      ++st.counts.overloaded;
      rp.deliver(make_error(errc::overloaded, "too many callers wait for leases"));
      return;
  }
}

/// L1 and L2 missed. Right after the key's owner changed, its previous owner may still hold a
/// lease of it: that one is asked first (the caller then waits there), so a join or a leave
/// never grants a second lease of a key under computation. Else grant_or_wait here.
void decide(self_ptr self, const lease_keeper_config& cfg, const std::string& key,
            const caf::actor& conn, uint32_t lease_ms,
            caf::typed_response_promise<lease_reply> rp) {
  auto& st = self->state;
  auto holder = holder_id(self, conn);
  if (st.table->leased(key))
    return grant_or_wait(self, key, holder, lease_ms, rp);
  auto snap = cfg.routes->get();
  auto window = handoff_window(cfg, lease_ms);
  auto prev = previous_owner_to_ask(snap->change, snap->self, key_hash(key),
                                    std::chrono::steady_clock::now(), window);
  auto peer = prev ? snap->front_of(*prev) : front_actor{};
  if (!peer)
    return grant_or_wait(self, key, holder, lease_ms, rp);
  ++st.counts.handoff_asks;
  auto shard = snap->shard_for(key_hash(key));
  // The previous owner is gone (CAF answers nothing then: its down decides) or slow: granting
  // here is the lesser evil.
  auto w = watch_remote(self, st.handoffs, peer, [=]() mutable {
    grant_or_wait(self, key, holder_id(self, conn), lease_ms, rp);
  });
  self
    ->request(peer, window, route_atom::value, lease_atom::value, handoff_atom::value, key,
              lease_ms, conn, snap->epoch)
    .then(
      [=](lease_reply& r) mutable {
        if (!self->state.handoffs.settle(w.target, w.id))
          return; // its going down decided already
        if (r.leased || !r.entry.empty())
          return void(rp.deliver(std::move(r))); // its value, or its lease passed to this caller
        // No lease there (fenced to us now). A fill it finished just before went to L1 here.
        self->request(shard, cfg.request_timeout, peek_atom::value, key)
          .then(
            [=](lookup_result& l1) mutable {
              if (l1.found)
                return void(rp.deliver(lease_reply{false, {}, std::move(l1.value)}));
              grant_or_wait(self, key, holder_id(self, conn), lease_ms, rp);
            },
            [=](caf::error& err) mutable { rp.deliver(std::move(err)); });
      },
      [=](caf::error&) {
        if (auto decide_here = self->state.handoffs.settle(w.target, w.id))
          (*decide_here)();
      });
}

actor_stats make_stats(self_ptr self) {
  auto& st = self->state;
  auto row = stats_row(self, "leases", 0);
  auto s = st.counts;
  s.leases = static_cast<int64_t>(st.table->leases());
  s.waiting = static_cast<int64_t>(st.table->waiting());
  put_stats(row, s);
  return row;
}

/// A holder of leases went down: its leases pass to the next waiters, its own waits end.
void on_holder_down(self_ptr self, caf::down_msg& dm) {
  auto& st = self->state;
  // A previous owner being asked went down: the leases it held died with it; decide here.
  for (auto& decide_here : st.handoffs.take(dm.source))
    decide_here();
  auto it = st.holder_ids.find(dm.source);
  if (it == st.holder_ids.end())
    return;
  std::vector<lease_table::grant> grants;
  std::vector<uint64_t> dropped;
  st.table->holder_gone(it->second, steady_ms(), grants, dropped);
  st.holder_ids.erase(it);
  for (auto w : dropped)
    st.waiting.erase(w);
  hand_over(self, grants);
}

/// A caller asks for a key's value or the lease to compute it.
caf::result<lease_reply> ask_lease(self_ptr self, const lease_keeper_config& cfg,
                                   const std::string& key, uint32_t lease_ms) {
  auto& st = self->state;
  // A key handed to its new owner: the caller asks there, as itself (its connection holds),
  // while that owner is a member; a fence to a node that went down ends with it.
  if (!st.table->leased(key))
    if (auto* target = st.fences.target_of(key, std::chrono::steady_clock::now())) {
      if (cfg.routes->get()->has_member_node(target->node()))
        return self->delegate(*target, lease_atom::value, get_atom::value, key, lease_ms);
      st.fences.erase(key);
    }
  // Before make_response_promise: it takes the sender out of the current message.
  auto conn = caf::actor_cast<caf::actor>(self->current_sender());
  auto rp = self->make_response_promise<lease_reply>();
  auto snap = cfg.routes->get();
  self->state.reads.read_started(key);
  // Ends this ask's reads: a fill that landed meanwhile answers it, else decide.
  auto missed = [=]() mutable {
    if (auto filled = self->state.reads.read_done(key)) {
      ++self->state.counts.from_cache;
      return void(rp.deliver(lease_reply{false, {}, std::move(*filled)}));
    }
    decide(self, cfg, key, conn, lease_ms, rp);
  };
  auto found = [=](std::string& value) mutable {
    self->state.reads.read_done(key);
    rp.deliver(lease_reply{false, {}, std::move(value)});
  };
  // L1 first, then L2: a value anyone stored is never computed again.
  self->request(snap->shard_for(key_hash(key)), cfg.request_timeout, peek_atom::value, key)
    .then(
      [=](lookup_result& r) mutable {
        if (r.found)
          return found(r.value);
        if (!cfg.bridge)
          return missed();
        self->request(cfg.bridge, cfg.request_timeout, l2_get_atom::value, key)
          .then(
            [=](lookup_result& r2) mutable {
              if (r2.found)
                return found(r2.value);
              missed();
            },
            // Redis in trouble: grant anyway, a compute beats a hang.
            [=](caf::error&) mutable { missed(); });
      },
      [=](caf::error& err) mutable {
        self->state.reads.read_done(key);
        rp.deliver(std::move(err));
      });
  return rp;
}

/// The key's new owner asks before granting: while the key is leased here, its caller waits
/// here; else the key is fenced to the asker and the empty reply says "grant it yourself".
caf::result<lease_reply> on_handoff(self_ptr self, const lease_keeper_config& cfg,
                                    const std::string& key, uint32_t lease_ms,
                                    const caf::actor& conn) {
  auto& st = self->state;
  if (st.table->leased(key)) {
    auto rp = self->make_response_promise<lease_reply>();
    grant_or_wait(self, key, holder_id(self, conn), lease_ms, rp);
    return rp;
  }
  auto asker = caf::actor_cast<lease_actor>(self->current_sender());
  auto until = std::chrono::steady_clock::now() + handoff_window(cfg, lease_ms);
  if (asker && st.fences.fence(key, asker, until))
    ++st.counts.fenced;
  return lease_reply{};
}

/// A fill or abandon whose token this table does not hold: when the token names another live
/// node (the key moved since that node granted it), that node's keeper decides; else none.
front_actor keeper_of_token(self_ptr self, const lease_keeper_config& cfg, const std::string& token,
                            uint64_t& epoch) {
  auto node = token_node(token);
  auto snap = cfg.routes->get();
  epoch = snap->epoch;
  if (node.empty() || node == snap->self)
    return {};
  auto peer = snap->front_of(node);
  if (peer)
    ++self->state.counts.moved;
  return peer;
}

/// The lease holder stores the value it computed; its waiters get it.
caf::result<bool> fill_lease(self_ptr self, const lease_keeper_config& cfg, const std::string& key,
                             const std::string& token, std::string& entry, uint32_t ttl) {
  auto& st = self->state;
  if (!st.table->holds(key, token)) {
    uint64_t epoch = 0;
    if (auto peer = keeper_of_token(self, cfg, token, epoch))
      return self->delegate(peer, route_atom::value, lease_atom::value, put_atom::value, key, token,
                            std::move(entry), ttl, epoch);
    ++st.counts.stale;
    return make_error(errc::stale_lease, "the token is not the current lease of this key");
  }
  if (!st.table->begin_fill(key, token)) {
    ++st.counts.stale;
    return make_error(errc::stale_lease, "this lease is being filled already");
  }
  auto rp = self->make_response_promise<bool>();
  auto done = [=](uint8_t) mutable {
    auto& st = self->state;
    std::vector<uint64_t> waiters;
    st.table->fill(key, token, waiters); // begin_fill kept it: it is still this token's
    ++st.counts.filled;
    st.reads.filled(key, entry);
    for (auto w : waiters)
      if (auto it = st.waiting.find(w); it != st.waiting.end()) {
        it->second.deliver(lease_reply{false, {}, entry});
        st.waiting.erase(it);
      }
    rp.deliver(true);
  };
  auto failed = [=](caf::error& err) mutable {
    self->state.table->fill_failed(key, token, steady_ms());
    rp.deliver(std::move(err));
  };
  // Stored like a put (L1, and L2 write-through) before any waiter is answered. A fill stored
  // in L1 only (Redis down, l1-when-down) still answers the waiters: they wait for this value,
  // not for its durability; the shard counts it among its l1_only_puts. A key that moved since
  // its lease was granted here is stored at its owner now.
  auto snap = cfg.routes->get();
  auto hash = key_hash(key);
  if (auto owner = snap->owner_front(hash))
    self
      ->request(owner, cfg.request_timeout, route_atom::value, put_atom::value, key, entry, ttl,
                snap->epoch)
      .then(done, failed);
  else
    self->request(snap->shard_for(hash), cfg.request_timeout, put_atom::value, key, entry, ttl)
      .then(done, failed);
  return rp;
}

caf::result<bool> abandon_lease(self_ptr self, const lease_keeper_config& cfg,
                                const std::string& key, const std::string& token) {
  auto& st = self->state;
  std::vector<lease_table::grant> grants;
  if (!st.table->abandon(key, token, steady_ms(), grants)) {
    uint64_t epoch = 0;
    if (!st.table->holds(key, token))
      if (auto peer = keeper_of_token(self, cfg, token, epoch))
        return self->delegate(peer, route_atom::value, lease_atom::value, delete_atom::value, key,
                              token, epoch);
    ++st.counts.stale;
    return make_error(errc::stale_lease, "the token is not the current lease of this key");
  }
  ++st.counts.abandoned;
  hand_over(self, grants);
  return true;
}

/// Leases whose time ran out pass on; callers whose wait ran out are told so.
void on_tick(self_ptr self, const lease_keeper_config& cfg) {
  auto& st = self->state;
  // A previous owner the cluster declared down while its link stands (frozen, cut off) sends
  // no down message: its asks are decided here as if it had.
  if (st.handoffs.waits() > 0)
    for (auto& decide_here : take_waits_on_gone_nodes(st.handoffs, *cfg.routes->get()))
      decide_here();
  std::vector<lease_table::grant> grants;
  std::vector<uint64_t> gave_up;
  auto before = st.table->leases();
  st.table->expire(steady_ms(), grants, gave_up);
  st.counts.expired += grants.size() + (before - st.table->leases());
  for (auto w : gave_up)
    if (auto it = st.waiting.find(w); it != st.waiting.end()) {
      ++st.counts.gave_up;
      it->second.deliver(
        make_error(errc::unavailable, "waited 3 x lease-ms for this key's lease; ask again"));
      st.waiting.erase(it);
    }
  hand_over(self, grants);
}

} // namespace

lease_actor::behavior_type lease_keeper(lease_actor::stateful_pointer<lease_keeper_state> self,
                                        lease_keeper_config cfg) {
  // Tokens name this node (a fill or abandon that reaches another node after the key moved is
  // sent on here) and carry a random part: a token from before a restart never matches.
  std::random_device rd;
  char random[17];
  std::snprintf(random, sizeof random, "%08x%08x", rd(), rd());
  self->state.table = std::make_unique<lease_table>(cfg.node_id + ":" + random, cfg.limits);
  self->set_down_handler([self](caf::down_msg& dm) { on_holder_down(self, dm); });
  self->delayed_send(self, cfg.tick, tick_atom::value);
  return {
    [=](lease_atom, get_atom, const std::string& key, uint32_t lease_ms)
      -> caf::result<lease_reply> { return ask_lease(self, cfg, key, lease_ms); },
    [=](lease_atom, put_atom, const std::string& key, const std::string& token, std::string& entry,
        uint32_t ttl) -> caf::result<bool> {
      return fill_lease(self, cfg, key, token, entry, ttl);
    },
    [=](lease_atom, delete_atom, const std::string& key, const std::string& token)
      -> caf::result<bool> { return abandon_lease(self, cfg, key, token); },
    [=](lease_atom, handoff_atom, const std::string& key, uint32_t lease_ms, const caf::actor& conn)
      -> caf::result<lease_reply> { return on_handoff(self, cfg, key, lease_ms, conn); },
    [=](tick_atom) {
      on_tick(self, cfg);
      self->delayed_send(self, cfg.tick, tick_atom::value);
    },
    [=](stats_atom) { return make_stats(self); },
  };
}

} // namespace ac
