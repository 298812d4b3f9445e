// The shard actor (see shard.hpp): answers L1 hits itself, hands misses to its coalescer.
// The steps its handlers call live in shard_reads.cpp, shard_writes.cpp and shard_upkeep.cpp.
#include "actors/shard.hpp"

#include <tuple>

#include <spdlog/spdlog.h>

#include "actors/coalescer.hpp"
#include "actors/shard_internal.hpp"
#include "messages/errors.hpp"

namespace ac {

namespace {

using namespace shard_impl;

/// Answers every request waiting for a key's write with an error: the shard is ending.
void fail_waiting(self_ptr self) {
  for (auto& op : self->state.order.drain())
    op(false);
}

/// A (re)started shard's store: empty (its state may be what failed); sessions that hold the
/// shard_store see the fresh store at once.
void init_store(self_ptr self, const shard_config& cfg) {
  auto& st = self->state;
  st.shared = cfg.shared ? cfg.shared : std::make_shared<shard_store>();
  std::lock_guard<std::mutex> lock{st.shared->mutex};
  st.shared->store = std::make_unique<cache_store>(cfg.store, *st.shared->clock);
  st.shared->hot = heavy_hitters{64};
  st.shared->warm = heavy_hitters{cfg.warm_capacity};
  st.shared->hot_threshold = cfg.hot_threshold;
  refresh_ahead_options ro;
  ro.default_ttl = cfg.store.default_ttl;
  ro.capacity = cfg.refresh_capacity;
  st.shared->refresh = refresh_ahead{ro};
  // Without a loader or L2 nothing could refresh a key: no hit is ever due then.
  st.shared->refresh_fraction = cfg.has_loader ? cfg.refresh_ahead : nullptr;
  st.shared->prefetched.clear();
  st.shared->prefetch_hits = 0;
  st.shared->misses_final = !cfg.has_loader;
  st.shared->lent.clear();
  st.shared->final_hot_misses = 0;
  st.store = st.shared->store.get();
}

/// The shard's coalescer (misses, refreshes, warms), linked: one fails with the other.
coalescer_actor spawn_coalescer(self_ptr self, const shard_config& cfg) {
  coalescer_config cc;
  cc.shard_index = cfg.index;
  cc.shard = caf::actor_cast<shard_actor>(self);
  cc.bridge = cfg.bridge;
  cc.compute = cfg.compute;
  cc.load_timeout = cfg.load_timeout;
  cc.negative_ttl = cfg.negative_ttl;
  cc.note_absent = cfg.absent_ttl.count() > 0;
  cc.routes = cfg.routes;
  cc.handoff_window = cfg.load_timeout;
  cc.default_ttl = static_cast<uint32_t>(cfg.store.default_ttl.count());
  return self->spawn<caf::linked>(coalescer, std::move(cc));
}

// The handlers come in groups by concept (the tuples below); shard() joins them into the one
// typed behavior. Each counts its message, so the console's "handled" reflects real work.

auto read_handlers(self_ptr self, const shard_config& cfg) {
  auto count = [self] { ++self->state.handled; };
  return std::make_tuple(
    // Reads of a key wait while a write of it is out at Redis (in_key_order), so that they
    // see it, as Redis answers a connection's reads after its writes.
    [=](get_atom a, const std::string& key) {
      return in_key_order<lookup_result>(
        self, key, [&] { return get_one(self, cfg, key); }, a, key);
    },
    [=](get_many_atom a, const std::vector<std::string>& keys) {
      return in_key_order<lookup_results>(
        self, keys.data(), keys.size(), [&] { return get_many(self, cfg, keys); }, a, keys);
    },
    [=](peek_atom a, const std::string& key) {
      return in_key_order<lookup_result>(
        self, key, [&] { return peek(self, key); }, a, key);
    },
    [=](handoff_atom, const std::string& key, bool may_fence) {
      count();
      return handoff(self, key, may_fence);
    },
    [=](refresh_atom, const std::string& key, int64_t ttl_left_ms, uint64_t since) {
      count();
      refresh_ahead_of(self, cfg, key, ttl_left_ms, since);
    },
    [=](warm_atom, const std::string& key) {
      count();
      return warm(self, key);
    },
    [=](prefetch_atom, const std::string& key) {
      count();
      warm_here(self, cfg, key, key_hash(key));
    });
}

auto write_handlers(self_ptr self, const shard_config& cfg) {
  auto count = [self] { ++self->state.handled; };
  return std::make_tuple(
    // A key's writes go to Redis one after another, and each waits for what came before it
    // on the key (in_key_order): two could otherwise cross on two Redis connections.
    [=](put_atom a, const std::string& key, std::string& value, uint32_t ttl) {
      return in_key_order<uint8_t>(
        self, key, [&] { return put(self, cfg, key, value, ttl); }, a, key, value, ttl);
    },
    [=](put_atom a, const std::string& key, std::string& value, uint32_t ttl, uint8_t cond) {
      return in_key_order<uint8_t>(
        self, key, [&] { return put_if_cond(self, cfg, key, value, ttl, cond); }, a, key, value,
        ttl, cond);
    },
    [=](keyspace_atom a, uint8_t op, const std::string& key, int64_t arg) {
      return in_key_order<int64_t>(
        self, key, [&] { return keyspace(self, cfg, op, key, arg); }, a, op, key, arg);
    },
    [=](delete_atom a, const std::string& key) {
      return in_key_order<bool>(
        self, key, [&] { return erase(self, cfg, key); }, a, key);
    },
    [=](fill_atom, const std::string& key, std::string& value, uint32_t ttl, uint64_t since) {
      count();
      return fill(self, key, value, ttl, since);
    },
    [=](fill_atom, l2_put_atom, const std::string& key, std::string& value, uint32_t ttl,
        uint64_t since) {
      count();
      return fill_and_write(self, cfg, key, value, ttl, since);
    },
    [=](fill_atom, const std::string& key, std::string& value, uint32_t ttl, uint8_t cond,
        uint64_t since) {
      count();
      fill_if(self, key, value, ttl, cond, since);
    },
    [=](absent_atom, const std::string& key, uint64_t since) {
      count();
      note_absent(self, cfg, key, since);
    });
}

auto upkeep_handlers(self_ptr self, const shard_config& cfg) {
  auto count = [self] { ++self->state.handled; };
  return std::make_tuple(
    [=](scan_atom, uint64_t cursor, const std::string& pattern, uint32_t limit) {
      count();
      return scan(self, cursor, pattern, limit);
    },
    [=](flush_atom) {
      count();
      return flush(self);
    },
    [=](ownership_atom, uint64_t epoch, bool healed) {
      count();
      on_ownership_change(self, cfg, epoch, healed);
    },
    [=](ownership_atom, sweep_atom, uint64_t cursor, uint64_t epoch) {
      count();
      drop_disowned(self, cfg, cursor, epoch);
    },
    [=](hot_atom, uint32_t n) {
      count();
      return hot_list(self, n);
    },
    [=](hot_atom, scan_atom, uint32_t n, const std::string& owner) {
      count();
      return resident_names(self, cfg, n, owner);
    },
    [=](resize_atom, uint64_t max_bytes, uint64_t max_entries) {
      count();
      auto lock = lock_store(self);
      self->state.store->resize(max_bytes, max_entries);
    },
    [=](sweep_atom) { sweep(self, cfg); });
}

/// Messages from the node (not counted as work): stats, new L2 or loader handles, fail.
auto control_handlers(self_ptr self, const shard_config& cfg) {
  return std::make_tuple(
    [=](stats_atom) { return stats(self, cfg); },
    [=](update_atom, const redis_bridge_actor& bridge, const compute_actor& compute) {
      self->state.bridge = bridge;
      {
        // What the old L2 lacked, or a miss with no loader then, says nothing now.
        auto lock = lock_store(self);
        self->state.store->forget_absent();
      }
      if (self->state.coalescer)
        self->send(self->state.coalescer, update_atom::value, bridge, compute);
    },
    [=](fail_atom, const std::string& why) {
      spdlog::warn("shard-{} fails on request: {}", cfg.index, why);
      fail_waiting(self);
      self->quit(make_error(errc::unavailable, why));
    });
}

} // namespace

shard_actor::behavior_type shard(shard_actor::stateful_pointer<shard_state> self,
                                 shard_config cfg) {
  init_store(self, cfg);
  // A shard that fails (an exception in a handler, or fail_atom) answers the requests waiting
  // for a key's write with an error first (CAF 0.17 answers nothing for a promise dropped
  // unanswered): their callers ask the restarted shard at once instead of waiting out their
  // own deadlines.
  self->set_exception_handler([self](std::exception_ptr& e) -> caf::error {
    fail_waiting(self);
    return caf::scheduled_actor::default_exception_handler(self, e);
  });
  self->state.bridge = cfg.bridge;
  if (cfg.has_loader)
    self->state.coalescer = spawn_coalescer(self, cfg);
  self->delayed_send(self, cfg.sweep_interval, sweep_atom::value);
  return std::apply(
    [](auto&&... handlers) { return shard_actor::behavior_type{std::move(handlers)...}; },
    std::tuple_cat(read_handlers(self, cfg), write_handlers(self, cfg), upkeep_handlers(self, cfg),
                   control_handlers(self, cfg)));
}

} // namespace ac
