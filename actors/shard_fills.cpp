// The shard's fills: values the coalescer loaded (L2, a compute) or warmed enter L1, unless a write
// of their key came after the read they were loaded for.
#include "actors/shard_internal.hpp"
#include "core/key_normalization.hpp"

namespace ac::shard_impl {

/// A value the coalescer loaded enters L1, unless the key was written after the miss it was
/// loaded for (`since`, the store's write_seq then), or a write of it is out at Redis now (a
/// load that began after that write was taken still saw the state before it): false then, and
/// the value is dropped.
bool fill(self_ptr self, const std::string& key, std::string& value, uint32_t ttl, uint64_t since) {
  auto h = key_hash(key);
  auto lock = lock_store(self);
  if (self->state.store->written_since(h, since) || self->state.order.busy(h)) {
    ++self->state.counts.superseded_fills;
    return false;
  }
  self->state.store->fill(key, h, value, std::chrono::seconds{ttl});
  self->state.shared->note_fill(key, std::chrono::seconds{ttl});
  return true;
}

/// fill() of a computed value, which then goes to L2 too, in the key's order of writes
/// (write_to_bridge): only when L1 kept it, since a value dropped for a newer write must not
/// overwrite that write's copy in Redis either.
bool fill_and_write(self_ptr self, const shard_config& cfg, const std::string& key,
                    std::string& value, uint32_t ttl, uint64_t since) {
  if (!fill(self, key, value, ttl, since)) // L1 copies the bytes: `value` is still whole
    return false;
  if (self->state.bridge) // the bridge counts the writes it drops
    write_to_bridge(
      self, cfg, key, [](l2_outcome) {}, [](caf::error&) {}, l2_put_atom::value, key,
      std::move(value), ttl);
  return true;
}

/// A warming fill that must not overwrite (absent) or revive (present) what L1 has now, nor
/// bring back what a write since the warm began (`since`) changed: its read of Redis may have
/// run before that write reached Redis.
void fill_if(self_ptr self, const std::string& key, std::string& value, uint32_t ttl, uint8_t cond,
             uint64_t since) {
  auto h = key_hash(key);
  if (self->state.order.busy(h))
    return; // a write of the key is out: what L2 gave is older than it
  auto lock = lock_store(self);
  if (self->state.store->written_since(h, since)) {
    ++self->state.counts.superseded_fills;
    return;
  }
  bool present = self->state.store->pttl(key, h) != -2;
  if ((cond == static_cast<uint8_t>(put_if::absent) && present)
      || (cond == static_cast<uint8_t>(put_if::present) && !present))
    return;
  if (self->state.store->fill(key, h, value, std::chrono::seconds{ttl})) {
    ++self->state.counts.warm_fills;
    self->state.shared->note_fill(key, std::chrono::seconds{ttl});
  }
}

/// L2 said it lacks `key` for a load that began at `since`, and nothing computes it: L1 reads
/// the key as absent for redis.absent-ttl, unless it was written since or a write of it is out.
void note_absent(self_ptr self, const shard_config& cfg, const std::string& key, uint64_t since) {
  auto h = key_hash(key);
  if (self->state.order.busy(h))
    return;
  auto lock = lock_store(self);
  self->state.store->note_absent(key, h, since, cfg.absent_ttl);
}

} // namespace ac::shard_impl
