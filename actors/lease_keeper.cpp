// The lease keeper actor (see lease_keeper.hpp): asks L1 and L2 before granting, answers waiters by push.
#include "actors/lease_keeper.hpp"
#include "actors/stats_helpers.hpp"

#include <random>

#include <spdlog/spdlog.h>

#include "core/key_normalization.hpp"
#include "core/ttl_clock.hpp"
#include "messages/errors.hpp"

namespace ac {

namespace {

using self_ptr = lease_actor::stateful_pointer<lease_keeper_state>;

/// The id of the connection that sent the current message; monitored from the first time.
uint64_t holder_of(self_ptr self) {
  auto& st = self->state;
  auto sender = self->current_sender();
  if (!sender)
    return 0; // an anonymous sender holds nothing it could drop
  auto addr = caf::actor_cast<caf::actor_addr>(sender);
  auto [it, fresh] = st.holder_ids.try_emplace(addr, 0);
  if (fresh) {
    it->second = ++st.next_id;
    self->monitor(caf::actor_cast<caf::actor>(sender));
  }
  return it->second;
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

void remember_fill(self_ptr self, const lease_keeper_config& cfg, const std::string& key,
                   const std::string& entry) {
  auto& st = self->state;
  auto now = std::chrono::steady_clock::now();
  st.recent[key] = entry;
  st.recent_order.emplace_back(now, key);
  while (
    !st.recent_order.empty()
    && (now - st.recent_order.front().first > cfg.recent_fill || st.recent_order.size() > 4096)) {
    auto& [when, k] = st.recent_order.front();
    (void)when;
    st.recent.erase(k);
    st.recent_order.pop_front();
  }
}

/// L1 and L2 missed: the value if it was filled a moment ago, else a lease, else a wait.
void decide(self_ptr self, const std::string& key, uint64_t holder, uint32_t lease_ms,
            caf::typed_response_promise<lease_reply> rp) {
  auto& st = self->state;
  if (auto it = st.recent.find(key); it != st.recent.end()) {
    ++st.counts.from_cache;
    rp.deliver(lease_reply{false, {}, it->second});
    return;
  }
  auto waiter = ++st.next_id;
  std::string token;
  switch (st.table->ask(key, {waiter, holder, lease_ms}, steady_ms(), token)) {
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

actor_stats make_stats(self_ptr self) {
  auto& st = self->state;
  auto row = stats_row(self, "leases", 0);
  auto s = st.counts;
  s.leases = static_cast<int64_t>(st.table->leases());
  s.waiting = static_cast<int64_t>(st.table->waiting());
  put_stats(row, s);
  return row;
}

} // namespace

namespace {

/// A holder of leases went down: its leases pass to the next waiters, its own waits end.
void on_holder_down(self_ptr self, caf::down_msg& dm) {
  auto& st = self->state;
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
  // Before make_response_promise: it takes the sender out of the current message.
  auto holder = holder_of(self);
  auto rp = self->make_response_promise<lease_reply>();
  auto snap = cfg.routes->get();
  // L1 first, then L2: a value anyone stored is never computed again.
  self->request(snap->shard_for(key_hash(key)), cfg.request_timeout, peek_atom::value, key)
    .then(
      [=](lookup_result& r) mutable {
        if (r.found)
          return void(rp.deliver(lease_reply{false, {}, std::move(r.value)}));
        if (!cfg.bridge)
          return decide(self, key, holder, lease_ms, rp);
        self->request(cfg.bridge, cfg.request_timeout, l2_get_atom::value, key)
          .then(
            [=](lookup_result& r2) mutable {
              if (r2.found)
                return void(rp.deliver(lease_reply{false, {}, std::move(r2.value)}));
              decide(self, key, holder, lease_ms, rp);
            },
            // Redis in trouble: grant anyway, a compute beats a hang.
            [=](caf::error&) mutable { decide(self, key, holder, lease_ms, rp); });
      },
      [=](caf::error& err) mutable { rp.deliver(std::move(err)); });
  return rp;
}

/// The lease holder stores the value it computed; its waiters get it.
caf::result<bool> fill_lease(self_ptr self, const lease_keeper_config& cfg, const std::string& key,
                             const std::string& token, std::string& entry, uint32_t ttl) {
  auto& st = self->state;
  if (!st.table->holds(key, token)) {
    ++st.counts.stale;
    return make_error(errc::stale_lease, "the token is not the current lease of this key");
  }
  auto rp = self->make_response_promise<bool>();
  auto snap = cfg.routes->get();
  // Stored like a put (L1, and L2 write-through) before any waiter is answered. A fill
  // stored in L1 only (Redis down, l1-when-down) still answers the waiters: they wait for
  // this value, not for its durability; the shard counts it among its l1_only_puts.
  self
    ->request(snap->shard_for(key_hash(key)), cfg.request_timeout, put_atom::value, key, entry, ttl)
    .then(
      [=](uint8_t) mutable {
        auto& st = self->state;
        std::vector<uint64_t> waiters;
        if (!st.table->fill(key, token, waiters)) {
          ++st.counts.stale;
          rp.deliver(make_error(errc::stale_lease, "the lease ran out while the value was stored"));
          return;
        }
        ++st.counts.filled;
        remember_fill(self, cfg, key, entry);
        for (auto w : waiters)
          if (auto it = st.waiting.find(w); it != st.waiting.end()) {
            it->second.deliver(lease_reply{false, {}, entry});
            st.waiting.erase(it);
          }
        rp.deliver(true);
      },
      [=](caf::error& err) mutable { rp.deliver(std::move(err)); });
  return rp;
}

} // namespace

lease_actor::behavior_type lease_keeper(lease_actor::stateful_pointer<lease_keeper_state> self,
                                        lease_keeper_config cfg) {
  // Tokens carry a random prefix: a token from before a restart never matches a new lease.
  std::random_device rd;
  char prefix[17];
  std::snprintf(prefix, sizeof prefix, "%08x%08x", rd(), rd());
  self->state.table = std::make_unique<lease_table>(prefix, cfg.limits);
  self->set_down_handler([self](caf::down_msg& dm) { on_holder_down(self, dm); });
  self->delayed_send(self, cfg.tick, tick_atom::value);
  return {
    [=](lease_atom, get_atom, const std::string& key, uint32_t lease_ms)
      -> caf::result<lease_reply> { return ask_lease(self, cfg, key, lease_ms); },
    [=](lease_atom, put_atom, const std::string& key, const std::string& token, std::string& entry,
        uint32_t ttl) -> caf::result<bool> {
      return fill_lease(self, cfg, key, token, entry, ttl);
    },
    [=](lease_atom, delete_atom, const std::string& key,
        const std::string& token) -> caf::result<bool> {
      auto& st = self->state;
      std::vector<lease_table::grant> grants;
      if (!st.table->abandon(key, token, steady_ms(), grants)) {
        ++st.counts.stale;
        return make_error(errc::stale_lease, "the token is not the current lease of this key");
      }
      ++st.counts.abandoned;
      hand_over(self, grants);
      return true;
    },
    [=](tick_atom) {
      auto& st = self->state;
      std::vector<lease_table::grant> grants;
      auto before = st.table->leases();
      st.table->expire(steady_ms(), grants);
      st.counts.expired += grants.size() + (before - st.table->leases());
      hand_over(self, grants);
      self->delayed_send(self, cfg.tick, tick_atom::value);
    },
    [=](stats_atom) { return make_stats(self); },
  };
}

} // namespace ac
