// The shard's Redis EXISTS, PTTL and EXPIRE of one key: judged on L1, or on Redis for a key L1 lacks.
#include "actors/shard_internal.hpp"
#include "core/key_normalization.hpp"
#include "messages/errors.hpp"

namespace ac::shard_impl {

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

/// The TTL in L2 of a new lifetime of `ttl_ms` (> 0): whole seconds, rounded up, as L1 keeps
/// them; one past what a deadline holds (2^30 s, as the store keeps it) is that long in L2.
uint32_t l2_secs_of(int64_t ttl_ms) {
  return static_cast<uint32_t>(std::min<int64_t>((ttl_ms + 999) / 1000, 1 << 30));
}

/// keyspace() of a key L1 holds, or of any key without Redis behind L1; `left` is what L1 has
/// left of it (its PTTL), read under `lock`; `h` is its key_hash.
caf::result<int64_t> keyspace_in_l1(self_ptr self, const shard_config& cfg, key_op op,
                                    const std::string& key, uint64_t h, int64_t arg,
                                    std::unique_lock<std::mutex> lock, int64_t left) {
  auto& st = self->state;
  if (op == key_op::exists)
    return left != -2 ? 1 : 0;
  if (op == key_op::pttl)
    return left;
  if (!expire_applies(op, left, arg))
    return 0;
  if (arg <= 0) { // a lifetime over: Redis deletes the key, as DEL does
    lock.unlock();
    auto rp = self->make_response_promise<int64_t>();
    erase_everywhere(self, cfg, key, deliver_to(rp, [](bool) { return int64_t{1}; }));
    return rp;
  }
  st.store->expire(key, h, std::chrono::milliseconds{arg});
  st.shared->note_fill(key, std::chrono::seconds{(arg + 999) / 1000});
  // L2 keeps the TTL the value was put with: write the new one there too, or a reload after
  // eviction would bring the old deadline back.
  if (st.bridge)
    if (auto found = st.store->get(key, h))
      write_to_bridge(
        self, cfg, key, [](l2_outcome) {}, [](caf::error&) {}, l2_put_atom::value, key,
        std::string{found.value}, l2_secs_of(arg));
  return 1;
}

/// keyspace() of a key L1 lacks, with Redis behind it: Redis may hold it all the same (after a
/// restart, an eviction), and GET would find it there, so Redis is asked (the value and its
/// PTTL, as a miss reads it), in the key's order. EXISTS and TTL answer what Redis holds;
/// EXPIRE judges its condition on Redis's TTL and writes the value back with the new one (or
/// deletes it), answering once Redis has it. L1 is not filled here: a GET loads the key as
/// ever. While Redis cannot be asked they are refused: a GET's miss may stand for "could not
/// ask" (it computes), an EXISTS of 0 may not.
caf::result<int64_t> keyspace_at_redis(self_ptr self, const shard_config& cfg, key_op op,
                                       const std::string& key, int64_t arg) {
  auto rp = self->make_response_promise<int64_t>();
  ask_bridge_in_order<lookup_result>(
    self, cfg, key,
    [self, rp, op, key, arg, c = &cfg](lookup_result& r) mutable {
      if (!r.found && r.ttl_ms != ttl_left::gone) // a miss that means "Redis was not asked"
        return void(
          rp.deliver(make_error(errc::unavailable,
                                "Redis is unavailable: cannot tell whether the key exists (EXISTS, "
                                "TTL and EXPIRE of a key L1 does not hold ask Redis)")));
      auto left = r.found ? r.ttl_ms : ttl_left::gone;
      if (left < ttl_left::never) // gone meanwhile, or not said: absent
        left = ttl_left::gone;
      if (op == key_op::exists)
        return void(rp.deliver(int64_t{left != ttl_left::gone ? 1 : 0}));
      if (op == key_op::pttl)
        return void(rp.deliver(left));
      if (!expire_applies(op, left, arg))
        return void(rp.deliver(int64_t{0}));
      if (arg <= 0)
        return erase_everywhere(self, *c, key, deliver_to(rp, [](bool) { return int64_t{1}; }));
      constexpr const char* rule = "EXPIRE of a key L1 does not hold waits for Redis";
      {
        // Marked now (see put_sync()): a load that read the old TTL must not fill L1 with it.
        auto lock = lock_store(self);
        self->state.store->note_write(key_hash(key));
      }
      // SET ... XX: a key that expired at Redis since it was read stays gone (EXPIRE: 0).
      write_to_bridge(
        self, *c, key,
        [self, rp, key, c](l2_outcome outcome) mutable {
          if (outcome == l2_outcome::not_applied)
            return void(rp.deliver(int64_t{0}));
          if (outcome != l2_outcome::written)
            return void(rp.deliver(unconfirmed(self, *c, key, outcome, "changed", {}, rule)));
          rp.deliver(int64_t{1});
        },
        [self, rp, key, c](caf::error& err) mutable {
          rp.deliver(
            unconfirmed(self, *c, key, l2_outcome::unknown, "changed", describe(err), rule));
        },
        l2_put_atom::value, key, std::move(r.value), l2_secs_of(arg),
        static_cast<uint8_t>(put_if::present));
    },
    [rp](caf::error& err) mutable { rp.deliver(std::move(err)); }, l2_get_atom::value, key);
  return rp;
}

} // namespace

/// Redis's EXISTS, PTTL and EXPIRE of one key (key_op).
caf::result<int64_t> keyspace(self_ptr self, const shard_config& cfg, uint8_t op,
                              const std::string& key, int64_t arg) {
  auto& st = self->state;
  if (op > static_cast<uint8_t>(key_op::expire_xx_lt))
    return make_error(errc::bad_request, "unknown key operation " + std::to_string(op));
  auto lock = lock_store(self);
  auto h = key_hash(key);
  auto left = st.store->pttl(key, h);
  // A key deleted here whose delete Redis has not taken yet (l1-when-down) is absent.
  if (left != -2 || !st.bridge || st.pending_deletes.contains(key))
    return keyspace_in_l1(self, cfg, static_cast<key_op>(op), key, h, arg, std::move(lock), left);
  lock.unlock();
  return keyspace_at_redis(self, cfg, static_cast<key_op>(op), key, arg);
}

} // namespace ac::shard_impl
