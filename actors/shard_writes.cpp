// The shard's writes: puts (sync or l1-when-down), conditional puts (judged by Redis for keys L1 lacks), deletes.
#include <spdlog/spdlog.h>

#include "actors/shard_internal.hpp"
#include "core/key_normalization.hpp"
#include "messages/entry_codec.hpp"
#include "messages/errors.hpp"

namespace ac::shard_impl {

namespace {

/// Checks a value a client wants to store: a valid Entry whose payload fits the limit.
caf::error check_value(const std::string& value, uint32_t max_value_bytes) {
  // The envelope adds a few dozen bytes; refuse early what cannot fit whatever it holds.
  if (value.size() > static_cast<size_t>(max_value_bytes) + 4096)
    return make_error(errc::value_too_large, "value of " + std::to_string(value.size())
                                               + " bytes exceeds cache.max-value-bytes="
                                               + std::to_string(max_value_bytes));
  std::string why;
  auto header = decode_header(value, &why);
  if (!header)
    return make_error(errc::bad_value, "value is not an Entry: " + why);
  if (header->payload_bytes > max_value_bytes)
    return make_error(errc::value_too_large, "value of " + std::to_string(header->payload_bytes)
                                               + " bytes exceeds cache.max-value-bytes="
                                               + std::to_string(max_value_bytes));
  return caf::none;
}

/// A key changed or went away: peers that may hold a near copy drop it now.
void invalidate_copies(self_ptr self, const shard_config& cfg, const std::string& key) {
  {
    auto lock = lock_store(self);
    if (!self->state.shared->take_lent(key))
      return;
  }
  ++self->state.counts.invalidations;
  auto snap = cfg.routes->get();
  for (auto& peer : snap->fronts)
    if (peer)
      self->send(peer, invalidate_atom::value, key);
}

/// Counts a write Redis did not take under l1-when-down, and says so in the log once per outage
/// (not per write: a busy node would flood it).
void note_l1_only(self_ptr self, uint32_t index, int64_t& counter) {
  ++counter;
  if (!self->state.l1_only_mode) {
    self->state.l1_only_mode = true;
    spdlog::warn(
      "shard-{}: Redis did not take a write; puts are acknowledged as L1 only and "
      "deletes are remembered until it does (redis.write-policy=l1-when-down)",
      index);
  }
}

/// Forgets `key` in L1 (and in peers' near copies): its write left for Redis and no answer
/// came, so Redis may hold the new value or the old one; the next read loads what it holds.
void forget_unconfirmed(self_ptr self, const shard_config& cfg, const std::string& key) {
  {
    auto lock = lock_store(self);
    self->state.store->erase(key, key_hash(key));
    self->state.shared->refresh.forget(key);
  }
  invalidate_copies(self, cfg, key);
}

/// Redis took a write again: the next L1-only acknowledgement is logged anew.
void note_durable(self_ptr self, uint32_t index) {
  if (self->state.l1_only_mode) {
    self->state.l1_only_mode = false;
    spdlog::info("shard-{}: Redis takes writes again; puts are durable", index);
  }
}

} // namespace

caf::error unconfirmed(self_ptr self, const shard_config& cfg, const std::string& key,
                       l2_outcome outcome, const std::string& done, const std::string& why,
                       const char* rule) {
  if (outcome == l2_outcome::not_written)
    return make_error(errc::unavailable,
                      "Redis is unavailable: nothing " + done + " (" + rule + ")");
  forget_unconfirmed(self, cfg, key);
  return make_error(errc::unavailable, "Redis did not confirm the write in time"
                                         + (why.empty() ? "" : " (" + why + ")")
                                         + ": the key may or may not be " + done + " (" + rule
                                         + ")");
}

namespace {

/// A put with no Redis configured: L1 is all the node promises, so this is a plain "stored".
caf::result<uint8_t> put_l1(self_ptr self, const shard_config& cfg, const std::string& key,
                            std::string& value, uint32_t ttl) {
  {
    auto lock = lock_store(self);
    self->state.store->put(key, key_hash(key), value, std::chrono::seconds{ttl});
    self->state.shared->note_fill(key, std::chrono::seconds{ttl});
  }
  invalidate_copies(self, cfg, key);
  return to_wire(put_status::stored);
}

/// A put Redis has confirmed enters L1; its acknowledgement.
uint8_t store_confirmed(self_ptr self, const shard_config& cfg, const std::string& key,
                        const std::string& value, uint32_t ttl) {
  {
    auto lock = lock_store(self);
    self->state.store->put(key, key_hash(key), value, std::chrono::seconds{ttl});
    self->state.shared->note_fill(key, std::chrono::seconds{ttl});
  }
  invalidate_copies(self, cfg, key);
  return to_wire(put_status::stored);
}

/// redis.write-policy=sync: Redis first, then L1, then the acknowledgement. While Redis is
/// down (the breaker answers at once) the put is refused and nothing changes anywhere, so
/// an acknowledged value survives any node's restart and a refused one never appears. A put
/// Redis did not answer in time may have landed there: its error says so (unconfirmed).
caf::result<uint8_t> put_sync(self_ptr self, const shard_config& cfg, const std::string& key,
                              std::string& value, uint32_t ttl, uint32_t l2_ttl) {
  {
    // Marked now, not when L1 takes it after Redis: a load that saw the older state must not
    // fill L1 (or write L2) behind this put's back meanwhile. (The other paths put into L1 at
    // once, and the store marks that put itself.)
    auto lock = lock_store(self);
    self->state.store->note_write(key_hash(key));
  }
  auto rp = self->make_response_promise<uint8_t>();
  auto stored = std::make_shared<std::string>(value);
  // `c`: the shard's config by address. It is the behavior's own copy, which lives as long as
  // the shard and with it every handler below; a copy per write (strings, shared pointers)
  // cost the L2 SET path ~5% of its CPU.
  write_to_bridge(
    self, cfg, key,
    [self, rp, key, stored, ttl, c = &cfg](l2_outcome outcome) mutable {
      if (outcome != l2_outcome::written)
        return void(rp.deliver(unconfirmed(self, *c, key, outcome, "stored")));
      rp.deliver(store_confirmed(self, *c, key, *stored, ttl));
    },
    [self, rp, key, c = &cfg](caf::error& err) mutable {
      rp.deliver(unconfirmed(self, *c, key, l2_outcome::unknown, "stored", describe(err)));
    },
    l2_put_atom::value, key, std::move(value), l2_ttl);
  return rp;
}

/// redis.write-policy=l1-when-down: L1 now, then Redis; the answer says which of the two has
/// it, so a client is never told "stored" for a value that a restart of this node would lose.
caf::result<uint8_t> put_l1_when_down(self_ptr self, const shard_config& cfg,
                                      const std::string& key, std::string& value, uint32_t ttl,
                                      uint32_t l2_ttl) {
  auto rp = self->make_response_promise<uint8_t>();
  {
    auto lock = lock_store(self);
    self->state.store->put(key, key_hash(key), value, std::chrono::seconds{ttl});
    self->state.shared->note_fill(key, std::chrono::seconds{ttl});
  }
  invalidate_copies(self, cfg, key);
  auto index = cfg.index;
  auto l1_only = [self, rp, index]() mutable {
    note_l1_only(self, index, self->state.counts.l1_only_puts);
    rp.deliver(to_wire(put_status::stored_l1_only));
  };
  write_to_bridge(
    self, cfg, key,
    [self, rp, key, index, l1_only](l2_outcome outcome) mutable {
      if (outcome != l2_outcome::written)
        return l1_only();
      // Only a put Redis has may forget a pending delete: an L1-only one leaves Redis's old
      // value there, which the delete must still remove before it can come back.
      self->state.pending_deletes.erase(key);
      note_durable(self, index);
      rp.deliver(to_wire(put_status::stored));
    },
    [l1_only](caf::error&) mutable { l1_only(); }, l2_put_atom::value, key, std::move(value),
    l2_ttl);
  return rp;
}

/// The L2 TTL of a put with `ttl` (0: the default TTL, which L2 keeps as one).
uint32_t l2_ttl_of(const shard_config& cfg, uint32_t ttl) {
  return ttl != 0 ? ttl : static_cast<uint32_t>(cfg.store.default_ttl.count());
}

/// put() of a value already checked.
caf::result<uint8_t> put_checked(self_ptr self, const shard_config& cfg, const std::string& key,
                                 std::string& value, uint32_t ttl) {
  if (!self->state.bridge)
    return put_l1(self, cfg, key, value, ttl);
  if (cfg.write_sync)
    return put_sync(self, cfg, key, value, ttl, l2_ttl_of(cfg, ttl));
  return put_l1_when_down(self, cfg, key, value, ttl, l2_ttl_of(cfg, ttl));
}

/// SET NX / XX of a key L1 lacks, with Redis behind it: Redis may hold the key all the same (it
/// outlives this node's L1: a restart, an eviction), so Redis judges the condition, in one step
/// with the write (its own SET NX / XX), and L1 takes the value once Redis has it. Whatever
/// the write policy: a condition Redis cannot judge is not judged on L1 alone (it would hand
/// out a lock somebody holds), so while Redis is down the put is refused.
caf::result<uint8_t> put_at_redis_if(self_ptr self, const shard_config& cfg, const std::string& key,
                                     std::string& value, uint32_t ttl, uint8_t cond) {
  {
    auto lock = lock_store(self); // marked now: see put_sync()
    self->state.store->note_write(key_hash(key));
  }
  constexpr const char* rule = "SET NX or XX of a key L1 does not hold waits for Redis";
  auto rp = self->make_response_promise<uint8_t>();
  auto stored = std::make_shared<std::string>(value);
  write_to_bridge(
    self, cfg, key,
    [self, rp, key, stored, ttl, c = &cfg](l2_outcome outcome) mutable {
      if (outcome == l2_outcome::not_applied)
        return void(rp.deliver(to_wire(put_status::not_stored)));
      if (outcome != l2_outcome::written)
        return void(rp.deliver(unconfirmed(self, *c, key, outcome, "stored", {}, rule)));
      rp.deliver(store_confirmed(self, *c, key, *stored, ttl));
    },
    [self, rp, key, c = &cfg](caf::error& err) mutable {
      rp.deliver(unconfirmed(self, *c, key, l2_outcome::unknown, "stored", describe(err), rule));
    },
    l2_put_atom::value, key, std::move(value), l2_ttl_of(cfg, ttl), cond);
  return rp;
}

} // namespace

/// Answers a put_status (put_status.hpp) on the wire as a uint8_t.
caf::result<uint8_t> put(self_ptr self, const shard_config& cfg, const std::string& key,
                         std::string& value, uint32_t ttl) {
  if (auto err = check_value(value, cfg.max_value_bytes)) {
    ++self->state.counts.refused;
    return err;
  }
  return put_checked(self, cfg, key, value, ttl);
}

/// SET NX / XX: L1 judges a key it holds, since it holds the last put of the key its owner
/// took; Redis judges one L1 lacks (put_at_redis_if).
caf::result<uint8_t> put_if_cond(self_ptr self, const shard_config& cfg, const std::string& key,
                                 std::string& value, uint32_t ttl, uint8_t cond) {
  auto& st = self->state;
  if (auto err = check_value(value, cfg.max_value_bytes)) {
    ++st.counts.refused;
    return err;
  }
  if (cond == static_cast<uint8_t>(put_if::always))
    return put_checked(self, cfg, key, value, ttl);
  auto lock = lock_store(self);
  auto present = st.store->pttl(key, key_hash(key)) != -2;
  lock.unlock();
  bool if_absent = cond == static_cast<uint8_t>(put_if::absent);
  // A key deleted here whose delete Redis has not taken yet (l1-when-down) is absent, whatever
  // Redis still holds.
  if (present || !st.bridge || st.pending_deletes.contains(key)) {
    if (present == if_absent)
      return to_wire(put_status::not_stored);
    return put_checked(self, cfg, key, value, ttl);
  }
  return put_at_redis_if(self, cfg, key, value, ttl, cond);
}

namespace {

/// Erases `key` from L1 and from what follows L1 (refresh-ahead, peers' near copies); whether
/// L1 held it.
bool erase_in_l1(self_ptr self, const shard_config& cfg, const std::string& key) {
  auto lock = lock_store(self);
  bool erased = self->state.store->erase(key, key_hash(key));
  self->state.shared->refresh.forget(key);
  lock.unlock();
  invalidate_copies(self, cfg, key);
  return erased;
}

} // namespace

void erase_everywhere(self_ptr self, const shard_config& cfg, const std::string& key,
                      erase_done done) {
  auto& st = self->state;
  if (!st.bridge)
    return done(erase_in_l1(self, cfg, key));
  if (cfg.write_sync) {
    {
      auto lock = lock_store(self); // marked now: see put_sync()
      st.store->note_write(key_hash(key));
    }
    write_to_bridge(
      self, cfg, key,
      [self, done, key, c = &cfg](l2_outcome outcome) { // c: see put_sync()
        if (!answered(outcome))
          return done(unconfirmed(self, *c, key, outcome, "deleted"));
        bool in_l1 = erase_in_l1(self, *c, key);
        done(in_l1 || outcome == l2_outcome::written);
      },
      [self, done, key, c = &cfg](caf::error& err) {
        done(unconfirmed(self, *c, key, l2_outcome::unknown, "deleted", describe(err)));
      },
      l2_del_atom::value, key);
    return;
  }
  bool erased = erase_in_l1(self, cfg, key);
  // The answer stays "was it there" (DEL's count): the delete is not lost while Redis is down,
  // it is remembered and retried, so unlike a put there is nothing weaker to report; the
  // deletes Redis did not take at once are counted (l1_only_deletes) instead. A key L1 held
  // was there: answered now. One it lacked may be in Redis: answered by Redis, or as absent
  // when Redis does not answer.
  st.pending_deletes.insert(key);
  if (erased) {
    done(true);
    done = nullptr;
  }
  write_to_bridge(
    self, cfg, key,
    [self, key, done, index = cfg.index](l2_outcome outcome) {
      if (done)
        done(outcome == l2_outcome::written);
      if (!answered(outcome)) // unknown too: retried until Redis confirms it
        return note_l1_only(self, index, self->state.counts.l1_only_deletes);
      self->state.pending_deletes.erase(key);
      note_durable(self, index);
    },
    [self, done, index = cfg.index](caf::error&) {
      if (done)
        done(false);
      note_l1_only(self, index, self->state.counts.l1_only_deletes);
    },
    l2_del_atom::value, key);
}

/// DEL of one key: whether it was there (erase_everywhere).
caf::result<bool> erase(self_ptr self, const shard_config& cfg, const std::string& key) {
  if (!self->state.bridge)
    return erase_in_l1(self, cfg, key);
  auto rp = self->make_response_promise<bool>();
  erase_everywhere(self, cfg, key, deliver_to(rp, [](bool erased) { return erased; }));
  return rp;
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
    if (st.order.busy(key_hash(key)))
      continue; // a write of the key is out: it decides, this retry would race it
    write_to_bridge(
      self, cfg, key,
      [self, key, index = cfg.index](l2_outcome outcome) {
        if (!answered(outcome))
          return;
        self->state.pending_deletes.erase(key);
        note_durable(self, index);
      },
      [](caf::error&) {}, l2_del_atom::value, key);
  }
}

} // namespace ac::shard_impl
