// The shard actor (see shard.hpp): answers L1 hits itself, hands misses to its coalescer.
#include "actors/shard.hpp"

#include <algorithm>
#include <iterator>
#include <optional>

#include <spdlog/spdlog.h>

#include "actors/coalescer.hpp"
#include "actors/stats_helpers.hpp"
#include "core/glob_match.hpp"
#include "core/key_normalization.hpp"
#include "core/rendezvous_ring.hpp"
#include "core/warm_list.hpp"
#include "messages/entry_codec.hpp"
#include "messages/errors.hpp"

namespace ac {

namespace {

using self_ptr = shard_actor::stateful_pointer<shard_state>;

/// Every access to the store (and the hot-key sketch) holds the shard_store's mutex: RESP
/// sessions read hits from it on their own threads (shard_store.hpp).
std::unique_lock<std::mutex> lock_store(self_ptr self) {
  return std::unique_lock<std::mutex>{self->state.shared->mutex};
}

/// Checks a value a client wants to store: a valid Entry whose payload fits the limit.
caf::error check_value(const std::string& value, uint32_t max_value_bytes) {
  // The envelope adds a few dozen bytes; refuse early what cannot fit whatever it holds.
  if (value.size() > static_cast<size_t>(max_value_bytes) + 4096)
    return make_error(errc::value_too_large, "value of " + std::to_string(value.size())
                                               + " bytes exceeds cache.max-value-bytes="
                                               + std::to_string(max_value_bytes));
  std::string why;
  auto e = decode_entry(value, &why);
  if (!e)
    return make_error(errc::bad_value, "value is not an Entry: " + why);
  if (e->data.size() > max_value_bytes)
    return make_error(errc::value_too_large, "value of " + std::to_string(e->data.size())
                                               + " bytes exceeds cache.max-value-bytes="
                                               + std::to_string(max_value_bytes));
  return caf::none;
}

/// Remembers that peers may now hold a near copy of `key` (it was answered hot).
void note_lent(self_ptr self, const shard_config& cfg, const std::string& key) {
  if (cfg.hot_ttl.count() == 0 || !cfg.routes)
    return;
  auto& lent = self->state.lent;
  auto now = std::chrono::steady_clock::now();
  constexpr size_t max_lent = 4096;
  if (lent.size() >= max_lent && !lent.contains(key)) {
    absl::erase_if(lent, [now](const auto& kv) { return kv.second <= now; });
    if (lent.size() >= max_lent) {
      ++self->state.unremembered;
      return;
    }
  }
  lent[key] = now + cfg.hot_ttl;
}

/// A key changed or went away: peers that may hold a near copy drop it now.
void invalidate_copies(self_ptr self, const shard_config& cfg, const std::string& key) {
  auto& lent = self->state.lent;
  if (lent.empty())
    return;
  auto it = lent.find(key);
  if (it == lent.end())
    return;
  bool live = it->second > std::chrono::steady_clock::now();
  lent.erase(it);
  if (!live)
    return;
  ++self->state.invalidations;
  auto snap = cfg.routes->get();
  for (auto& peer : snap->fronts)
    if (peer)
      self->send(peer, invalidate_atom::value, key);
}

/// Starts a background refresh of a stale key (stale-while-revalidate); the coalescer fills L1.
void refresh(self_ptr self, const shard_config& cfg, const std::string& key) {
  if (!self->state.coalescer)
    return;
  ++self->state.stale_refreshes;
  self->request(self->state.coalescer, cfg.load_timeout, load_atom::value, key)
    .then([](const lookup_result&) {}, [](const caf::error&) {});
}

/// Starts the refresh-ahead of a hot key a hit found late in its TTL (shard_store::refresh_due
/// marked it, so once per lifetime); the coalescer fills L1 (and L2) with a full TTL, and no
/// reader waits for it. `ttl_left_ms`: what the L1 copy has left.
void refresh_ahead_of(self_ptr self, const shard_config& cfg, const std::string& key,
                      int64_t ttl_left_ms) {
  if (!self->state.coalescer)
    return;
  ++self->state.refresh_ahead;
  self->request(self->state.coalescer, cfg.load_timeout, refresh_atom::value, key, ttl_left_ms)
    .then([](const lookup_result&) {},
          [self, index = cfg.index](const caf::error& err) {
            ++self->state.refresh_ahead_failed;
            spdlog::debug("shard-{}: refresh-ahead of a key failed: {}", index, describe(err));
          });
}

// -- predictive warming (warming.predictive) -----------------------------------------------

/// Asks the coalescer to warm a key of this shard from L2, unless L1 has it already (or it was
/// deleted while Redis was down). A found value is filled by the coalescer before this reply.
void warm_here(self_ptr self, const shard_config& cfg, const std::string& key, uint64_t hash) {
  auto& st = self->state;
  if (!st.coalescer || st.pending_deletes.contains(key))
    return;
  {
    auto lock = lock_store(self);
    if (st.store->pttl(key, hash) != -2)
      return;
  }
  ++st.prefetches;
  self->request(st.coalescer, cfg.load_timeout, warm_atom::value, key)
    .then(
      [self, hash](const lookup_result& r) {
        if (!r.found)
          return;
        ++self->state.prefetch_loaded;
        auto lock = lock_store(self);
        auto& pending = self->state.shared->prefetched;
        if (pending.size() < shard_store::max_prefetched)
          pending.insert(hash);
      },
      [](const caf::error&) {});
}

/// A miss of `key`: the node's model learns it, and the keys it predicts next are warmed, each
/// by the shard of this node that holds it (keys another node owns now are left alone).
void warm_successors(self_ptr self, const shard_config& cfg, const std::string& key,
                     uint64_t hash) {
  if (!cfg.prefetch)
    return;
  auto next = cfg.prefetch->on_miss(key, hash);
  if (next.empty() || !cfg.routes)
    return;
  auto snap = cfg.routes->get();
  if (!snap || snap->shards.empty())
    return; // no routes published yet: which shard holds a key is not known
  auto n = static_cast<uint32_t>(snap->shards.size());
  for (auto& k : next) {
    auto h = key_hash(k);
    if (!snap->owns(h))
      continue;
    auto target = shard_of(h, n);
    if (target == cfg.index)
      warm_here(self, cfg, k, h);
    else
      self->send(snap->shards[target], prefetch_atom::value, std::move(k));
  }
}

/// An `overloaded` error (counted) when more requests wait than max_backlog: new loads are
/// refused then, while hits are still served.
caf::error check_backlog(self_ptr self, const shard_config& cfg) {
  if (cfg.max_backlog == 0 || self->mailbox().size() <= cfg.max_backlog)
    return caf::none;
  ++self->state.overloaded;
  return make_error(errc::overloaded, "shard-" + std::to_string(cfg.index) + " has more than "
                                        + std::to_string(cfg.max_backlog) + " requests queued");
}

caf::result<lookup_result> get_one(self_ptr self, const shard_config& cfg, const std::string& key) {
  auto start = std::chrono::steady_clock::now();
  auto& st = self->state;
  auto hash = key_hash(key);
  auto lock = lock_store(self);
  st.shared->sample_read(key);
  if (auto found = st.store->get(key, hash)) {
    st.shared->note_hit(hash);
    auto result = make_hit(std::string{found.value}, tier::l1);
    result.hot = st.shared->hot.is_hot(key, cfg.hot_threshold);
    bool ahead = !found.stale && st.shared->refresh_due(key, found.ttl_left_ms);
    lock.unlock();
    if (result.hot)
      note_lent(self, cfg, key);
    if (found.stale)
      refresh(self, cfg, key);
    else if (ahead)
      refresh_ahead_of(self, cfg, key, found.ttl_left_ms);
    st.latency.record(micros_since(start));
    return result;
  }
  if (st.shared->hot.is_hot(key, cfg.hot_threshold))
    ++st.hot_misses;
  st.shared->prefetched.erase(hash); // a warm's entry evicted unread, if it was one
  lock.unlock();
  if (!st.pending_deletes.empty() && st.pending_deletes.contains(key)) {
    st.latency.record(micros_since(start));
    return make_miss(); // deleted while Redis was down: L2 may still hold the old value
  }
  // Under overload, hits (fresh or stale) are still served above; only new loads are refused.
  if (auto err = check_backlog(self, cfg))
    return err;
  if (st.coalescer) {
    // The key's own load leaves first: warms are guesses and must not queue ahead of it.
    auto answer = self->delegate(st.coalescer, load_atom::value, key);
    warm_successors(self, cfg, key, hash);
    return answer;
  }
  st.latency.record(micros_since(start));
  return make_miss();
}

caf::result<lookup_results> get_many(self_ptr self, const shard_config& cfg,
                                     const std::vector<std::string>& keys) {
  auto start = std::chrono::steady_clock::now();
  auto& st = self->state;
  lookup_results results(keys.size());
  std::vector<size_t> missing;
  // Fetch every key's bucket, then every key's entry, before reading any: the cache misses
  // of the whole batch overlap instead of queueing one after another.
  uint64_t stack_hashes[32];
  std::vector<uint64_t> heap_hashes;
  uint64_t* hashes = stack_hashes;
  if (keys.size() > std::size(stack_hashes)) {
    heap_hashes.resize(keys.size());
    hashes = heap_hashes.data();
  }
  std::vector<size_t> stale;
  std::vector<std::pair<size_t, int64_t>> ahead; // (position, ms left) of refresh-ahead keys
  auto lock = lock_store(self);
  for (size_t i = 0; i < keys.size(); ++i) {
    hashes[i] = key_hash(keys[i]);
    st.store->prefetch_bucket(hashes[i]);
  }
  for (size_t i = 0; i < keys.size(); ++i)
    st.store->prefetch_entry(hashes[i]);
  for (size_t i = 0; i < keys.size(); ++i) {
    st.shared->sample_read(keys[i]);
    if (auto found = st.store->get(keys[i], hashes[i])) {
      st.shared->note_hit(hashes[i]);
      results[i] = make_hit(std::string{found.value}, tier::l1);
      results[i].hot = st.shared->hot.is_hot(keys[i], cfg.hot_threshold);
      if (found.stale)
        stale.push_back(i);
      else if (st.shared->refresh_due(keys[i], found.ttl_left_ms))
        ahead.emplace_back(i, found.ttl_left_ms);
    } else {
      st.shared->prefetched.erase(hashes[i]); // a warm's entry evicted unread, if it was one
      if (st.shared->hot.is_hot(keys[i], cfg.hot_threshold))
        ++st.hot_misses;
      if (st.coalescer && !st.pending_deletes.contains(keys[i]))
        missing.push_back(i);
    }
  }
  lock.unlock();
  for (auto i : stale)
    refresh(self, cfg, keys[i]);
  for (auto [i, left] : ahead)
    refresh_ahead_of(self, cfg, keys[i], left);
  for (size_t i = 0; i < keys.size(); ++i)
    if (results[i].hot)
      note_lent(self, cfg, keys[i]);
  if (!missing.empty())
    if (auto err = check_backlog(self, cfg))
      return err;
  if (missing.empty()) {
    st.latency.record(micros_since(start));
    return results;
  }
  // Misses load through the coalescer; the batch is answered once all of them are in.
  auto rp = self->make_response_promise<lookup_results>();
  auto pending = std::make_shared<size_t>(missing.size());
  auto all = std::make_shared<lookup_results>(std::move(results));
  for (auto i : missing) {
    self->request(st.coalescer, cfg.load_timeout, load_atom::value, keys[i])
      .then(
        [=](lookup_result& r) mutable {
          (*all)[i] = std::move(r);
          if (--*pending == 0)
            rp.deliver(std::move(*all));
        },
        [=](caf::error& err) mutable {
          if (*pending > 0) {
            *pending = 0; // the first error answers the batch; later answers are dropped
            rp.deliver(std::move(err));
          }
        });
  }
  for (auto i : missing)
    warm_successors(self, cfg, keys[i], hashes[i]);
  return rp;
}

/// Counts a write Redis did not take under l1-when-down, and says so in the log once per outage
/// (not per write: a busy node would flood it).
void note_l1_only(self_ptr self, uint32_t index, uint64_t& counter) {
  ++counter;
  if (!self->state.l1_only_mode) {
    self->state.l1_only_mode = true;
    spdlog::warn(
      "shard-{}: Redis did not take a write; puts are acknowledged as L1 only and "
      "deletes are remembered until it does (redis.write-policy=l1-when-down)",
      index);
  }
}

/// Redis took a write again: the next L1-only acknowledgement is logged anew.
void note_durable(self_ptr self, uint32_t index) {
  if (self->state.l1_only_mode) {
    self->state.l1_only_mode = false;
    spdlog::info("shard-{}: Redis takes writes again; puts are durable", index);
  }
}

/// Answers a put_status (put_status.hpp) on the wire as a uint8_t.
caf::result<uint8_t> put(self_ptr self, const shard_config& cfg, const std::string& key,
                         std::string& value, uint32_t ttl) {
  auto& st = self->state;
  if (auto err = check_value(value, cfg.max_value_bytes)) {
    ++st.refused;
    return err;
  }
  if (!st.bridge) {
    // No Redis configured: L1 is all the node promises, so this is a plain "stored".
    {
      auto lock = lock_store(self);
      st.store->put(key, key_hash(key), value, std::chrono::seconds{ttl});
      st.shared->note_fill(key, std::chrono::seconds{ttl});
    }
    invalidate_copies(self, cfg, key);
    return to_wire(put_status::stored);
  }
  auto l2_ttl = ttl != 0 ? ttl : static_cast<uint32_t>(cfg.store.default_ttl.count());
  auto rp = self->make_response_promise<uint8_t>();
  if (cfg.write_sync) {
    // redis.write-policy=sync: Redis first, then L1, then the acknowledgement. While Redis is
    // down (the breaker answers at once) the put is refused and nothing changes anywhere, so
    // an acknowledged value survives any node's restart and a refused one never appears.
    auto stored = std::make_shared<std::string>(value);
    self->request(st.bridge, cfg.load_timeout, l2_put_atom::value, key, std::move(value), l2_ttl)
      .then(
        [self, rp, key, stored, ttl, cfg](bool ok) mutable {
          if (!ok)
            return void(rp.deliver(make_error(errc::unavailable,
                                              "Redis is unavailable: nothing "
                                              "stored (redis.write-policy=sync)")));
          {
            auto lock = lock_store(self);
            self->state.store->put(key, key_hash(key), *stored, std::chrono::seconds{ttl});
            self->state.shared->note_fill(key, std::chrono::seconds{ttl});
          }
          invalidate_copies(self, cfg, key);
          rp.deliver(to_wire(put_status::stored));
        },
        [rp](caf::error& err) mutable {
          rp.deliver(make_error(errc::unavailable,
                                "Redis is unavailable: nothing stored (" + describe(err) + ")"));
        });
    return rp;
  }
  // redis.write-policy=l1-when-down: L1 now, then Redis; the answer says which of the two has
  // it, so a client is never told "stored" for a value that a restart of this node would lose.
  {
    auto lock = lock_store(self);
    st.store->put(key, key_hash(key), value, std::chrono::seconds{ttl});
    st.shared->note_fill(key, std::chrono::seconds{ttl});
  }
  invalidate_copies(self, cfg, key);
  auto index = cfg.index;
  auto l1_only = [self, rp, index]() mutable {
    note_l1_only(self, index, self->state.l1_only_puts);
    rp.deliver(to_wire(put_status::stored_l1_only));
  };
  self->request(st.bridge, cfg.load_timeout, l2_put_atom::value, key, std::move(value), l2_ttl)
    .then(
      [self, rp, key, index, l1_only](bool ok) mutable {
        if (!ok)
          return l1_only();
        // Only a put Redis has may forget a pending delete: an L1-only one leaves Redis's old
        // value there, which the delete must still remove before it can come back.
        self->state.pending_deletes.erase(key);
        note_durable(self, index);
        rp.deliver(to_wire(put_status::stored));
      },
      [l1_only](caf::error&) mutable { l1_only(); });
  return rp;
}

/// SET NX / XX: the condition is judged on L1, which holds every put of a key its owner took.
caf::result<uint8_t> put_if_cond(self_ptr self, const shard_config& cfg, const std::string& key,
                                 std::string& value, uint32_t ttl, uint8_t cond) {
  auto lock = lock_store(self);
  auto present = self->state.store->pttl(key, key_hash(key)) != -2;
  lock.unlock();
  if ((cond == static_cast<uint8_t>(put_if::absent) && present)
      || (cond == static_cast<uint8_t>(put_if::present) && !present))
    return to_wire(put_status::not_stored);
  return put(self, cfg, key, value, ttl);
}

caf::result<int64_t> keyspace(self_ptr self, const shard_config& cfg, uint8_t op,
                              const std::string& key, int64_t arg) {
  auto& st = self->state;
  auto h = key_hash(key);
  auto lock = lock_store(self);
  switch (static_cast<key_op>(op)) {
    case key_op::exists:
      return st.store->pttl(key, h) != -2 ? 1 : 0;
    case key_op::pttl:
      return st.store->pttl(key, h);
    case key_op::expire: {
      if (!st.store->expire(key, h, std::chrono::milliseconds{arg}))
        return 0;
      if (arg > 0) // a new lifetime, with the TTL it was given
        st.shared->note_fill(key, std::chrono::seconds{(arg + 999) / 1000});
      else
        st.shared->refresh.forget(key);
      if (st.bridge) {
        // L2 keeps the TTL the value was put with: write the new one there too, or a
        // reload after eviction would bring the old deadline back.
        if (arg <= 0) {
          invalidate_copies(self, cfg, key);
          self->send(st.bridge, delete_atom::value, key);
        } else if (auto found = st.store->get(key, h)) {
          auto secs = static_cast<uint32_t>((arg + 999) / 1000);
          self
            ->request(st.bridge, cfg.load_timeout, l2_put_atom::value, key,
                      std::string{found.value}, secs)
            .then([](bool) {}, [](caf::error&) {});
        }
      }
      return 1;
    }
  }
  return make_error(errc::bad_request, "unknown key operation " + std::to_string(op));
}

/// DEL: with Redis, sync erases there first (refused while it is down); l1-when-down erases
/// L1 at once and remembers the key until Redis confirms, so the value never comes back.
caf::result<bool> erase(self_ptr self, const shard_config& cfg, const std::string& key) {
  auto& st = self->state;
  if (!st.bridge) {
    auto lock = lock_store(self);
    bool erased = st.store->erase(key, key_hash(key));
    st.shared->refresh.forget(key);
    lock.unlock();
    invalidate_copies(self, cfg, key);
    return erased;
  }
  if (cfg.write_sync) {
    auto rp = self->make_response_promise<bool>();
    self->request(st.bridge, cfg.load_timeout, l2_del_atom::value, key)
      .then(
        [self, rp, key, cfg](bool ok) mutable {
          if (!ok)
            return void(rp.deliver(make_error(errc::unavailable,
                                              "Redis is unavailable: nothing "
                                              "deleted (redis.write-policy=sync)")));
          auto lock = lock_store(self);
          bool erased = self->state.store->erase(key, key_hash(key));
          self->state.shared->refresh.forget(key);
          lock.unlock();
          invalidate_copies(self, cfg, key);
          rp.deliver(erased);
        },
        [rp](caf::error& err) mutable {
          rp.deliver(make_error(errc::unavailable,
                                "Redis is unavailable: nothing deleted (" + describe(err) + ")"));
        });
    return rp;
  }
  auto lock = lock_store(self);
  bool erased = st.store->erase(key, key_hash(key));
  st.shared->refresh.forget(key);
  lock.unlock();
  invalidate_copies(self, cfg, key);
  // The reply stays "was it there" (DEL's count): the delete is not lost while Redis is down,
  // it is remembered and retried, so unlike a put there is nothing weaker to report; the
  // deletes Redis did not take at once are counted (l1_only_deletes) instead.
  st.pending_deletes.insert(key);
  self->request(st.bridge, cfg.load_timeout, l2_del_atom::value, key)
    .then(
      [self, key, index = cfg.index](bool ok) {
        if (!ok)
          return note_l1_only(self, index, self->state.l1_only_deletes);
        self->state.pending_deletes.erase(key);
        note_durable(self, index);
      },
      [self, index = cfg.index](caf::error&) {
        note_l1_only(self, index, self->state.l1_only_deletes);
      });
  return erased;
}

/// One page of this shard's keys matching `pattern`: at most scan_budget entries examined per
/// message, so a listing never stalls the shard's lookups; stops once `limit` keys matched.
scan_page scan(self_ptr self, uint64_t cursor, const std::string& pattern, uint32_t limit) {
  constexpr size_t scan_budget = 1000;
  scan_page page;
  auto lock = lock_store(self);
  page.cursor = self->state.store->scan(cursor, scan_budget, [&](std::string_view key) {
    if (glob_match(pattern, key))
      page.keys.emplace_back(key);
    return page.keys.size() < limit;
  });
  return page;
}

/// Drops one slice of the entries whose key another node owns now (at the routing epoch the
/// sweep began with; a newer change starts a sweep of its own), then sends itself the next.
void drop_disowned(self_ptr self, const shard_config& cfg, uint64_t cursor, uint64_t epoch) {
  auto& st = self->state;
  if (epoch != st.ownership_epoch || !cfg.routes)
    return;
  auto snap = cfg.routes->get();
  if (snap->ids.size() < 2)
    return; // alone: this node owns every key
  constexpr size_t slice = 4096;
  std::vector<std::string> disowned;
  auto lock = lock_store(self);
  auto next = st.store->scan(cursor, slice, [&](std::string_view key) {
    if (!snap->owns(key_hash(key)))
      disowned.emplace_back(key);
    return true;
  });
  for (auto& key : disowned)
    st.store->erase(key, key_hash(key));
  lock.unlock();
  st.disowned_drops += disowned.size();
  if (next != 0)
    self->send(self, ownership_atom::value, sweep_atom::value, next, epoch);
  else if (st.disowned_drops > 0)
    spdlog::debug("shard-{}: {} entries dropped since start because other nodes own their keys",
                  cfg.index, st.disowned_drops);
}

/// Up to n resident entries, hottest first (warm_score: the warming set's sampled count plus
/// the policy's frequency estimate), whose key `owner` owns in this node's view with `owner`
/// counted a member ("" = any). Examines at most `names_budget` entries from where the last
/// call stopped, so a shard of a million entries is named across calls (the periodic saves)
/// and one call holds the store no longer than a sweep slice does.
hot_key_list resident_names(self_ptr self, const shard_config& cfg, uint32_t n,
                            const std::string& owner) {
  constexpr size_t names_budget = 65536;
  auto& st = self->state;
  std::optional<rendezvous_ring> ring;
  if (!owner.empty()) {
    auto snap = cfg.routes ? cfg.routes->get() : nullptr;
    std::vector<std::string> ids = snap ? snap->ids : std::vector<std::string>{};
    if (std::find(ids.begin(), ids.end(), owner) == ids.end())
      ids.push_back(owner); // a joiner this node has not heard of yet owns its share already
    ring.emplace();
    ring->set_members(std::move(ids));
  }
  warm_names names{n};
  auto lock = lock_store(self);
  st.names_cursor = st.store->scan(st.names_cursor, names_budget, [&](std::string_view key) {
    auto h = key_hash(key);
    if (ring) {
      auto o = ring->owner_of(h);
      if (o == nullptr || *o != owner)
        return true;
    }
    names.offer(key, warm_score(st.shared->warm.count_of(key), st.store->frequency(h)));
    return true;
  });
  lock.unlock();
  hot_key_list out;
  for (auto& [key, score] : names.take()) {
    out.keys.push_back(std::move(key));
    out.counts.push_back(score);
  }
  return out;
}

/// Retries the deletes Redis has not confirmed (l1-when-down), a bounded number per sweep.
void retry_pending_deletes(self_ptr self, const shard_config& cfg) {
  auto& st = self->state;
  if (!st.bridge || st.pending_deletes.empty())
    return;
  size_t n = 0;
  for (auto& key : st.pending_deletes) {
    if (++n > 1000)
      break;
    self->request(st.bridge, cfg.load_timeout, l2_del_atom::value, key)
      .then(
        [self, key, index = cfg.index](bool ok) {
          if (!ok)
            return;
          self->state.pending_deletes.erase(key);
          note_durable(self, index);
        },
        [](caf::error&) {});
  }
}

actor_stats make_stats(self_ptr self, const shard_config& cfg) {
  auto& st = self->state;
  auto lock = lock_store(self);
  const auto& c = st.store->counters();
  actor_stats row;
  row.name = "shard-" + std::to_string(cfg.index);
  row.kind = "shard";
  row.mailbox = self->mailbox().size();
  row.handled = st.handled;
  row.counters = {
    {"hits", static_cast<int64_t>(c.hits + c.stale_hits)},
    {"stale_hits", static_cast<int64_t>(c.stale_hits)},
    {"misses", static_cast<int64_t>(c.misses)},
    {"puts", static_cast<int64_t>(c.puts)},
    {"rejected", static_cast<int64_t>(c.rejected)},
    {"refused", static_cast<int64_t>(st.refused)},
    {"evictions", static_cast<int64_t>(c.evictions)},
    {"expirations", static_cast<int64_t>(c.expirations)},
    {"erases", static_cast<int64_t>(c.erases)},
    {"entries", static_cast<int64_t>(st.store->entries())},
    {"bytes", static_cast<int64_t>(st.store->bytes())},
    {"capacity_bytes", static_cast<int64_t>(st.store->max_bytes())},
    {"capacity_entries", static_cast<int64_t>(st.store->max_entries())},
    {"stale_refreshes", static_cast<int64_t>(st.stale_refreshes)},
    {"hot_misses", static_cast<int64_t>(st.hot_misses)},
    {"refresh_ahead", static_cast<int64_t>(st.refresh_ahead)},
    {"refresh_ahead_failed", static_cast<int64_t>(st.refresh_ahead_failed)},
    {"refresh_ahead_refused", static_cast<int64_t>(st.shared->refresh.refused())},
    {"refresh_ahead_in_flight", static_cast<int64_t>(st.shared->refresh.in_flight())},
    {"ghost_hits", static_cast<int64_t>(c.ghost_hits)},
    {"overloaded", static_cast<int64_t>(st.overloaded)},
    {"pending_deletes", static_cast<int64_t>(st.pending_deletes.size())},
    {"l1_only_puts", static_cast<int64_t>(st.l1_only_puts)},
    {"l1_only_deletes", static_cast<int64_t>(st.l1_only_deletes)},
    {"invalidations", static_cast<int64_t>(st.invalidations)},
    {"lent_keys", static_cast<int64_t>(st.lent.size())},
    {"unremembered_lent", static_cast<int64_t>(st.unremembered)},
    {"heal_drops", static_cast<int64_t>(st.heal_drops)},
    {"disowned_drops", static_cast<int64_t>(st.disowned_drops)},
    {"warm_fills", static_cast<int64_t>(st.warm_fills)},
    {"prefetches", static_cast<int64_t>(st.prefetches)},
    {"prefetch_loaded", static_cast<int64_t>(st.prefetch_loaded)},
    {"prefetch_hits", static_cast<int64_t>(st.shared->prefetch_hits)},
  };
  row.hot_keys = st.shared->hot.top(8);
  put_latency(row, st.latency);
  return row;
}

} // namespace

shard_actor::behavior_type shard(shard_actor::stateful_pointer<shard_state> self,
                                 shard_config cfg) {
  auto& st = self->state;
  st.shared = cfg.shared ? cfg.shared : std::make_shared<shard_store>();
  {
    // A restarted shard starts empty (its state may be what failed); sessions that hold the
    // shard_store see the fresh store at once.
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
    st.store = st.shared->store.get();
  }
  st.bridge = cfg.bridge;
  if (cfg.has_loader) {
    coalescer_config cc;
    cc.shard_index = cfg.index;
    cc.shard = caf::actor_cast<shard_actor>(self);
    cc.bridge = cfg.bridge;
    cc.compute = cfg.compute;
    cc.load_timeout = cfg.load_timeout;
    cc.negative_ttl = cfg.negative_ttl;
    cc.routes = cfg.routes;
    cc.handoff_window = cfg.load_timeout;
    cc.default_ttl = static_cast<uint32_t>(cfg.store.default_ttl.count());
    st.coalescer = self->spawn<caf::linked>(coalescer, std::move(cc));
  }
  self->delayed_send(self, cfg.sweep_interval, sweep_atom::value);
  // Count every message, so the console's "handled" reflects real work.
  auto count = [self] { ++self->state.handled; };
  return {
    [=](get_atom, const std::string& key) {
      count();
      return get_one(self, cfg, key);
    },
    [=](get_many_atom, const std::vector<std::string>& keys) {
      count();
      return get_many(self, cfg, keys);
    },
    [=](peek_atom, const std::string& key) {
      count();
      auto lock = lock_store(self);
      if (auto found = self->state.store->get(key, key_hash(key)))
        return make_hit(std::string{found.value}, tier::l1);
      return make_miss();
    },
    [=](handoff_atom, const std::string& key, bool may_fence) -> caf::result<lookup_result> {
      count();
      {
        // The new owner keeps the value for what is left of it here (this node's monotonic
        // L1 deadline): neither node's wall clock enters into it.
        auto lock = lock_store(self);
        auto h = key_hash(key);
        if (auto found = self->state.store->get(key, h))
          return make_hit(std::string{found.value}, tier::l1, self->state.store->pttl(key, h));
      }
      if (!self->state.coalescer)
        return make_miss();
      return self->delegate(self->state.coalescer, handoff_atom::value, key, may_fence);
    },
    [=](put_atom, const std::string& key, std::string& value, uint32_t ttl) {
      count();
      return put(self, cfg, key, value, ttl);
    },
    [=](put_atom, const std::string& key, std::string& value, uint32_t ttl, uint8_t cond) {
      count();
      return put_if_cond(self, cfg, key, value, ttl, cond);
    },
    [=](keyspace_atom, uint8_t op, const std::string& key, int64_t arg) {
      count();
      return keyspace(self, cfg, op, key, arg);
    },
    [=](delete_atom, const std::string& key) {
      count();
      return erase(self, cfg, key);
    },
    [=](scan_atom, uint64_t cursor, const std::string& pattern, uint32_t limit) {
      count();
      return scan(self, cursor, pattern, limit);
    },
    [=](flush_atom) {
      count();
      auto lock = lock_store(self);
      self->state.shared->refresh.clear();
      return self->state.store->clear();
    },
    [=](fill_atom, const std::string& key, std::string& value, uint32_t ttl) {
      count();
      auto lock = lock_store(self);
      bool kept = self->state.store->put(key, key_hash(key), value, std::chrono::seconds{ttl});
      self->state.shared->note_fill(key, std::chrono::seconds{ttl});
      return kept;
    },
    [=](refresh_atom, const std::string& key, int64_t ttl_left_ms) {
      count();
      refresh_ahead_of(self, cfg, key, ttl_left_ms);
    },
    [=](fill_atom, const std::string& key, std::string& value, uint32_t ttl, uint8_t cond) {
      count();
      auto lock = lock_store(self);
      auto h = key_hash(key);
      bool present = self->state.store->pttl(key, h) != -2;
      if ((cond == static_cast<uint8_t>(put_if::absent) && present)
          || (cond == static_cast<uint8_t>(put_if::present) && !present))
        return;
      if (self->state.store->put(key, h, value, std::chrono::seconds{ttl})) {
        ++self->state.warm_fills;
        self->state.shared->note_fill(key, std::chrono::seconds{ttl});
      }
    },
    [=](ownership_atom, uint64_t epoch, bool healed) {
      count();
      auto& st = self->state;
      if (healed) {
        // Both sides of the partition served and changed keys the other owned meanwhile: no
        // entry here is known to be current. L2 (and warming) has the values.
        auto lock = lock_store(self);
        auto n = st.store->clear();
        lock.unlock();
        st.heal_drops += n;
        st.lent.clear();
        spdlog::info("shard-{}: a partition healed; dropped {} entries of L1", cfg.index, n);
      }
      // The previous owner answers hand-off asks from its L1 for one load timeout; after that
      // an entry of a key owned elsewhere could only go stale here (and come back stale when
      // the key's ownership returns).
      st.ownership_epoch = epoch;
      self->delayed_send(self, cfg.load_timeout, ownership_atom::value, sweep_atom::value,
                         uint64_t{0}, epoch);
    },
    [=](ownership_atom, sweep_atom, uint64_t cursor, uint64_t epoch) {
      count();
      drop_disowned(self, cfg, cursor, epoch);
    },
    [=](hot_atom, uint32_t n) {
      count();
      hot_key_list out;
      auto lock = lock_store(self);
      for (auto& [key, c] : self->state.shared->warm.top(n)) {
        out.keys.push_back(key);
        out.counts.push_back(c);
      }
      return out;
    },
    [=](hot_atom, scan_atom, uint32_t n, const std::string& owner) {
      count();
      return resident_names(self, cfg, n, owner);
    },
    [=](warm_atom, const std::string& key) -> caf::result<lookup_result> {
      count();
      {
        auto lock = lock_store(self);
        if (self->state.store->pttl(key, key_hash(key)) != -2)
          return lookup_result{true, static_cast<uint8_t>(tier::l1), {}, false}; // here already
      }
      if (!self->state.coalescer || self->state.pending_deletes.contains(key))
        return make_miss();
      return self->delegate(self->state.coalescer, warm_atom::value, key);
    },
    [=](prefetch_atom, const std::string& key) {
      count();
      warm_here(self, cfg, key, key_hash(key));
    },
    [=](resize_atom, uint64_t max_bytes, uint64_t max_entries) {
      count();
      auto lock = lock_store(self);
      self->state.store->resize(max_bytes, max_entries);
    },
    [=](sweep_atom) {
      // A slice per tick keeps one sweep of a million-entry shard from stalling its mailbox;
      // reads drop expired entries they meet in the meantime.
      constexpr size_t sweep_slice = 65536;
      {
        auto lock = lock_store(self);
        self->state.store->sweep(sweep_slice);
        self->state.shared->hot.decay();
        // The warming list forgets slowly: half every ~30 sweeps (30 s by default).
        if (++self->state.sweeps % 30 == 0)
          self->state.shared->warm.decay();
      }
      retry_pending_deletes(self, cfg);
      self->delayed_send(self, cfg.sweep_interval, sweep_atom::value);
    },
    [=](stats_atom) -> caf::result<std::vector<actor_stats>> {
      std::vector<actor_stats> rows{make_stats(self, cfg)};
      if (!self->state.coalescer)
        return rows;
      auto rp = self->make_response_promise<std::vector<actor_stats>>();
      self
        ->request<caf::message_priority::high>(
          self->state.coalescer, caf::duration{std::chrono::seconds(2)}, stats_atom::value)
        .then(
          [=](actor_stats& row) mutable {
            rows.push_back(std::move(row));
            rp.deliver(rows);
          },
          [=](caf::error&) mutable { rp.deliver(rows); });
      return rp;
    },
    [=](update_atom, const redis_bridge_actor& bridge, const compute_actor& compute) {
      self->state.bridge = bridge;
      if (self->state.coalescer)
        self->send(self->state.coalescer, update_atom::value, bridge, compute);
    },
    [=](fail_atom, const std::string& why) {
      spdlog::warn("shard-{} fails on request: {}", cfg.index, why);
      self->quit(make_error(errc::unavailable, why));
    },
  };
}

} // namespace ac
