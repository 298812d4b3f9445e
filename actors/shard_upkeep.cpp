// The shard's upkeep: listing keys, sweeps, drops after ownership changes, warming lists, stats.
#include <algorithm>
#include <optional>

#include <spdlog/spdlog.h>

#include "actors/shard_internal.hpp"
#include "actors/stats_helpers.hpp"
#include "core/glob_match.hpp"
#include "core/key_normalization.hpp"
#include "core/ownership_handoff.hpp"
#include "core/rendezvous_ring.hpp"
#include "core/warm_list.hpp"
#include "messages/kind_stats.hpp"

namespace ac::shard_impl {

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

/// Drops every entry (FLUSHALL); answers how many there were.
uint64_t flush(self_ptr self) {
  auto lock = lock_store(self);
  self->state.shared->refresh.clear();
  return self->state.store->clear();
}

/// One sweep tick: a slice of expired entries, the hot lists' decay, the pending deletes.
void sweep(self_ptr self, const shard_config& cfg) {
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
  // Bridge asks the bridge never answered (it died holding them): overdue, as a timeout.
  self->state.bridge_asks.expire(ac_clock::now(), [](std::function<void(caf::error&)>& fail) {
    caf::error overdue = make_error(caf::sec::request_timeout);
    fail(overdue);
  });
  self->delayed_send(self, cfg.sweep_interval, sweep_atom::value);
}

/// Drops, in one pass, the entries of keys this node gained with the last change
/// (core/ownership_handoff gained_with): left from when it owned them before, kept for the
/// hand-off window, they missed every write the other owner took since. Without this, a member
/// that left and came back within the window (a restart) made the old values current again: a
/// deleted key was read back. One pass under the lock, not slices: between slices the stale
/// entries would be served as hits. A membership change is rare; the walk is ~50 ms per
/// million entries.
void drop_gained(self_ptr self, const shard_config& cfg) {
  if (!cfg.routes)
    return;
  auto snap = cfg.routes->get();
  auto& st = self->state;
  std::vector<std::string> gained;
  auto lock = lock_store(self);
  st.store->scan(0, SIZE_MAX, [&](std::string_view key) {
    if (gained_with(snap->change, snap->self, key_hash(key)))
      gained.emplace_back(key);
    return true;
  });
  for (auto& key : gained) {
    st.store->drop(key, key_hash(key)); // not a write: see drop_disowned
    st.shared->refresh.forget(key);
  }
  lock.unlock();
  st.counts.disowned_drops += gained.size();
  if (!gained.empty())
    spdlog::debug("shard-{}: dropped {} entries of keys it owns again", cfg.index, gained.size());
}

/// The routing changed (a new epoch): after a heal L1 is dropped whole; either way the entries
/// of keys owned elsewhere now are dropped once the hand-off window has passed.
void on_ownership_change(self_ptr self, const shard_config& cfg, uint64_t epoch, bool healed) {
  auto& st = self->state;
  {
    // "Redis lacks it" was learnt under the old owners: a key that moved here and back may
    // have been written through another node meanwhile (core/absent_marks).
    auto lock = lock_store(self);
    st.store->forget_absent();
    st.shared->owners_changed_at = st.store->write_seq();
  }
  if (healed) {
    // Both sides of the partition served and changed keys the other owned meanwhile: no
    // entry here is known to be current. L2 (and warming) has the values.
    auto lock = lock_store(self);
    auto n = st.store->clear();
    st.shared->lent.clear();
    lock.unlock();
    st.counts.heal_drops += n;
    spdlog::info("shard-{}: a partition healed; dropped {} entries of L1", cfg.index, n);
  } else {
    drop_gained(self, cfg);
  }
  // The previous owner answers hand-off asks from its L1 for one load timeout; after that
  // an entry of a key owned elsewhere could only go stale here (and come back stale when
  // the key's ownership returns).
  st.ownership_epoch = epoch;
  self->delayed_send(self, cfg.load_timeout, ownership_atom::value, sweep_atom::value, uint64_t{0},
                     epoch);
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
  // Dropped, not erased: the key was not written. As writes, these removals marked the write
  // slots, so loads in flight here (a computed value on its way to L1 and L2) were dropped as
  // superseded and never reached Redis, and a new owner skipped its hand-off ask: the key was
  // computed twice around a member's restart.
  for (auto& key : disowned)
    st.store->drop(key, key_hash(key));
  lock.unlock();
  st.counts.disowned_drops += disowned.size();
  if (next != 0)
    self->send(self, ownership_atom::value, sweep_atom::value, next, epoch);
  else if (st.counts.disowned_drops > 0)
    spdlog::debug("shard-{}: {} entries dropped since start because other nodes own their keys",
                  cfg.index, st.counts.disowned_drops);
}

/// The warming list's hottest keys, at most n (sampled reads, decaying).
hot_key_list hot_list(self_ptr self, uint32_t n) {
  hot_key_list out;
  auto lock = lock_store(self);
  for (auto& [key, c] : self->state.shared->warm.top(n)) {
    out.keys.push_back(key);
    out.counts.push_back(c);
  }
  return out;
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

namespace {

actor_stats make_stats(self_ptr self, const shard_config& cfg) {
  auto& st = self->state;
  auto lock = lock_store(self);
  const auto& c = st.store->counters();
  auto row = stats_row(self, "shard-" + std::to_string(cfg.index), st.handled);
  auto s = st.counts;
  s.hits = static_cast<int64_t>(c.hits + c.stale_hits);
  s.stale_hits = static_cast<int64_t>(c.stale_hits);
  s.misses = static_cast<int64_t>(c.misses);
  s.puts = static_cast<int64_t>(c.puts);
  s.rejected = static_cast<int64_t>(c.rejected);
  s.evictions = static_cast<int64_t>(c.evictions);
  s.expirations = static_cast<int64_t>(c.expirations);
  s.erases = static_cast<int64_t>(c.erases);
  s.ghost_hits = static_cast<int64_t>(c.ghost_hits);
  s.entries = static_cast<int64_t>(st.store->entries());
  s.bytes = static_cast<int64_t>(st.store->bytes());
  s.capacity_bytes = static_cast<int64_t>(st.store->max_bytes());
  s.capacity_entries = static_cast<int64_t>(st.store->max_entries());
  s.refresh_ahead_refused = static_cast<int64_t>(st.shared->refresh.refused());
  s.refresh_ahead_in_flight = static_cast<int64_t>(st.shared->refresh.in_flight());
  s.pending_deletes = static_cast<int64_t>(st.pending_deletes.size());
  s.bridge_writes = static_cast<int64_t>(st.bridge_asks.size());
  s.lent_keys = static_cast<int64_t>(st.shared->lent.size());
  s.prefetch_hits = static_cast<int64_t>(st.shared->prefetch_hits);
  s.hot_misses += static_cast<int64_t>(st.shared->final_hot_misses);
  put_stats(row, s);
  row.hot_keys = st.shared->hot.top(8);
  put_latency(row, st.latency);
  return row;
}

} // namespace

/// This shard's row and its coalescer's (the coalescer's is left out if it does not answer).
caf::result<std::vector<actor_stats>> stats(self_ptr self, const shard_config& cfg) {
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
}

} // namespace ac::shard_impl
