// The shard's writes: puts (sync or l1-when-down), conditional puts, TTL changes, deletes.
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

/// The error of a write (`done`: "stored" or "deleted") Redis did not confirm under
/// redis.write-policy=sync. Never sent: nothing changed anywhere. Sent without an answer:
/// Redis may have applied it, so the client hears exactly that, and L1 forgets the key.
caf::error unconfirmed(self_ptr self, const shard_config& cfg, const std::string& key,
                       l2_outcome outcome, const std::string& done, const std::string& why = {}) {
  if (outcome == l2_outcome::not_written)
    return make_error(errc::unavailable,
                      "Redis is unavailable: nothing " + done + " (redis.write-policy=sync)");
  forget_unconfirmed(self, cfg, key);
  return make_error(errc::unavailable, "Redis did not confirm the write in time"
                                         + (why.empty() ? "" : " (" + why + ")")
                                         + ": the key may or may not be " + done
                                         + " (redis.write-policy=sync)");
}

/// Redis took a write again: the next L1-only acknowledgement is logged anew.
void note_durable(self_ptr self, uint32_t index) {
  if (self->state.l1_only_mode) {
    self->state.l1_only_mode = false;
    spdlog::info("shard-{}: Redis takes writes again; puts are durable", index);
  }
}

} // namespace

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
      auto& cfg = *c;
      if (outcome != l2_outcome::written)
        return void(rp.deliver(unconfirmed(self, cfg, key, outcome, "stored")));
      {
        auto lock = lock_store(self);
        self->state.store->put(key, key_hash(key), *stored, std::chrono::seconds{ttl});
        self->state.shared->note_fill(key, std::chrono::seconds{ttl});
      }
      invalidate_copies(self, cfg, key);
      rp.deliver(to_wire(put_status::stored));
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

} // namespace

/// Answers a put_status (put_status.hpp) on the wire as a uint8_t.
caf::result<uint8_t> put(self_ptr self, const shard_config& cfg, const std::string& key,
                         std::string& value, uint32_t ttl) {
  if (auto err = check_value(value, cfg.max_value_bytes)) {
    ++self->state.counts.refused;
    return err;
  }
  if (!self->state.bridge)
    return put_l1(self, cfg, key, value, ttl);
  auto l2_ttl = ttl != 0 ? ttl : static_cast<uint32_t>(cfg.store.default_ttl.count());
  if (cfg.write_sync)
    return put_sync(self, cfg, key, value, ttl, l2_ttl);
  return put_l1_when_down(self, cfg, key, value, ttl, l2_ttl);
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

namespace {

/// Whether EXPIRE's condition holds for a key with `left` ms of TTL (-1: none, -2: absent) and
/// a new TTL of `ttl_ms`; Redis 7's rules, where a key without a TTL lives forever.
bool expire_applies(key_op op, int64_t left, int64_t ttl_ms) {
  if (left == -2)
    return false;
  switch (op) {
    case key_op::expire_nx:
      return left == -1;
    case key_op::expire_xx:
      return left >= 0;
    case key_op::expire_gt:
      return left >= 0 && ttl_ms > left;
    case key_op::expire_lt:
      return left == -1 || ttl_ms < left;
    case key_op::expire_xx_lt:
      return left >= 0 && ttl_ms < left;
    default:
      return true;
  }
}

} // namespace

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
    case key_op::expire_nx:
    case key_op::expire_xx:
    case key_op::expire_gt:
    case key_op::expire_lt:
    case key_op::expire_xx_lt:
      if (!expire_applies(static_cast<key_op>(op), st.store->pttl(key, h), arg))
        return 0;
      [[fallthrough]];
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
          lock.unlock(); // invalidate_copies takes it
          invalidate_copies(self, cfg, key);
          write_to_bridge(
            self, cfg, key, [](l2_outcome) {}, [](caf::error&) {}, l2_del_atom::value, key);
        } else if (auto found = st.store->get(key, h)) {
          // A TTL past what a deadline holds (2^30 s, as the store keeps it) is that long in L2.
          auto secs = static_cast<uint32_t>(std::min<int64_t>((arg + 999) / 1000, 1 << 30));
          write_to_bridge(
            self, cfg, key, [](l2_outcome) {}, [](caf::error&) {}, l2_put_atom::value, key,
            std::string{found.value}, secs);
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
    {
      auto lock = lock_store(self); // marked now: see put_sync()
      st.store->note_write(key_hash(key));
    }
    auto rp = self->make_response_promise<bool>();
    write_to_bridge(
      self, cfg, key,
      [self, rp, key, c = &cfg](l2_outcome outcome) mutable { // c: see put_sync()
        auto& cfg = *c;
        if (outcome != l2_outcome::written)
          return void(rp.deliver(unconfirmed(self, cfg, key, outcome, "deleted")));
        auto lock = lock_store(self);
        bool erased = self->state.store->erase(key, key_hash(key));
        self->state.shared->refresh.forget(key);
        lock.unlock();
        invalidate_copies(self, cfg, key);
        rp.deliver(erased);
      },
      [self, rp, key, c = &cfg](caf::error& err) mutable {
        rp.deliver(unconfirmed(self, *c, key, l2_outcome::unknown, "deleted", describe(err)));
      },
      l2_del_atom::value, key);
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
  write_to_bridge(
    self, cfg, key,
    [self, key, index = cfg.index](l2_outcome outcome) {
      if (outcome != l2_outcome::written) // unknown too: retried until Redis confirms it
        return note_l1_only(self, index, self->state.counts.l1_only_deletes);
      self->state.pending_deletes.erase(key);
      note_durable(self, index);
    },
    [self, index = cfg.index](caf::error&) {
      note_l1_only(self, index, self->state.counts.l1_only_deletes);
    },
    l2_del_atom::value, key);
  return erased;
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
        if (outcome != l2_outcome::written)
          return;
        self->state.pending_deletes.erase(key);
        note_durable(self, index);
      },
      [](caf::error&) {}, l2_del_atom::value, key);
  }
}

} // namespace ac::shard_impl
