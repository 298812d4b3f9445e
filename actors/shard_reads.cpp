// The shard's reads: L1 hits, misses handed to the coalescer, refreshes and predictive warming.
#include <iterator>

#include <spdlog/spdlog.h>

#include "actors/coalescer.hpp"
#include "actors/shard_internal.hpp"
#include "actors/stats_helpers.hpp"
#include "core/key_normalization.hpp"
#include "core/pinned_copies.hpp"
#include "messages/errors.hpp"

namespace ac::shard_impl {

namespace {

/// Remembers that peers may now hold a near copy of `key` (it was answered hot).
void note_lent(self_ptr self, const shard_config& cfg, const std::string& key) {
  if (cfg.hot_ttl.count() == 0 || !cfg.routes)
    return;
  auto lock = lock_store(self);
  auto now = std::chrono::steady_clock::now();
  if (!self->state.shared->lent.lend(key, now + cfg.hot_ttl, now))
    ++self->state.counts.unremembered_lent;
}

/// Starts a background refresh of a stale key (stale-while-revalidate); the coalescer fills L1.
void refresh(self_ptr self, const shard_config& cfg, const std::string& key, uint64_t since) {
  if (!self->state.coalescer)
    return;
  ++self->state.counts.stale_refreshes;
  self->request(self->state.coalescer, cfg.load_timeout, load_atom::value, key, since)
    .then([](const lookup_result&) {}, [](const caf::error&) {});
}

} // namespace

/// Starts the refresh-ahead of a hot key a hit found late in its TTL (shard_store::refresh_due
/// marked it, so once per lifetime); the coalescer fills L1 (and L2) with a full TTL, and no
/// reader waits for it. `ttl_left_ms`: what the L1 copy has left.
void refresh_ahead_of(self_ptr self, const shard_config& cfg, const std::string& key,
                      int64_t ttl_left_ms, uint64_t since) {
  if (!self->state.coalescer)
    return;
  ++self->state.counts.refresh_ahead;
  self
    ->request(self->state.coalescer, cfg.load_timeout, refresh_atom::value, key, ttl_left_ms, since)
    .then([](const lookup_result&) {},
          [self, index = cfg.index](const caf::error& err) {
            ++self->state.counts.refresh_ahead_failed;
            spdlog::debug("shard-{}: refresh-ahead of a key failed: {}", index, describe(err));
          });
}

// -- predictive warming (warming.predictive) -----------------------------------------------

/// Asks the coalescer to warm a key of this shard from L2, unless L1 has it already, a write of
/// it is out at Redis (the read could run before the write lands), or it was deleted while
/// Redis was down. A found value is filled by the coalescer before this reply.
void warm_here(self_ptr self, const shard_config& cfg, const std::string& key, uint64_t hash) {
  auto& st = self->state;
  if (!st.coalescer || st.pending_deletes.contains(key) || st.order.busy(hash))
    return;
  uint64_t since = 0; // the fill loses to any write of the key from now on
  {
    auto lock = lock_store(self);
    if (st.store->pttl(key, hash) != -2)
      return;
    since = st.store->write_seq();
  }
  ++st.counts.prefetches;
  self->request(st.coalescer, cfg.load_timeout, warm_atom::value, key, since)
    .then(
      [self, hash](const lookup_result& r) {
        if (!r.found)
          return;
        ++self->state.counts.prefetch_loaded;
        auto lock = lock_store(self);
        auto& pending = self->state.shared->prefetched;
        if (pending.size() < shard_store::max_prefetched)
          pending.insert(hash);
      },
      [](const caf::error&) {});
}

namespace {

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
  ++self->state.counts.overloaded;
  return make_error(errc::overloaded, "shard-" + std::to_string(cfg.index) + " has more than "
                                        + std::to_string(cfg.max_backlog) + " requests queued");
}

} // namespace

caf::result<lookup_result> get_one(self_ptr self, const shard_config& cfg, const std::string& key) {
  auto start = std::chrono::steady_clock::now();
  auto& st = self->state;
  auto hash = key_hash(key);
  auto lock = lock_store(self);
  auto since = st.store->write_seq(); // a load or refresh of this read loses to a later write
  st.shared->sample_read(key);
  if (auto found = st.store->get(key, hash, true)) {
    st.shared->note_hit(hash);
    auto result = make_hit(std::string{}, tier::l1);
    pinned_copies large;
    large.assign(result.value, found.value, std::move(found.pin));
    result.hot = st.shared->hot.is_hot(key, cfg.hot_threshold);
    bool ahead = !found.stale && st.shared->refresh_due(key, found.ttl_left_ms);
    lock.unlock();
    large.copy_all();
    if (result.hot)
      note_lent(self, cfg, key);
    if (found.stale)
      refresh(self, cfg, key, since);
    else if (ahead)
      refresh_ahead_of(self, cfg, key, found.ttl_left_ms, since);
    st.latency.record(micros_since(start));
    return result;
  }
  st.counts.hot_misses += st.shared->note_miss(key, hash);
  bool known_absent = st.store->known_absent(hash);
  lock.unlock();
  if (known_absent) { // L2 said so lately (core/absent_marks)
    st.latency.record(micros_since(start));
    return make_miss();
  }
  if (!st.pending_deletes.empty() && st.pending_deletes.contains(key)) {
    st.latency.record(micros_since(start));
    return make_miss(); // deleted while Redis was down: L2 may still hold the old value
  }
  // Under overload, hits (fresh or stale) are still served above; only new loads are refused.
  if (auto err = check_backlog(self, cfg))
    return err;
  if (st.coalescer) {
    // The key's own load leaves first: warms are guesses and must not queue ahead of it.
    auto answer = self->delegate(st.coalescer, load_atom::value, key, since);
    warm_successors(self, cfg, key, hash);
    return answer;
  }
  st.latency.record(micros_since(start));
  return make_miss();
}

namespace {

/// What one batch found in L1: the answers so far, and the positions still to load, to
/// refresh (stale hits) and to refresh ahead (with the ms their copies have left).
struct batch_reads {
  lookup_results results;
  std::vector<size_t> missing;
  std::vector<size_t> stale;
  std::vector<std::pair<size_t, int64_t>> ahead;
  /// The store's write_seq when the batch was read: its loads lose to later writes.
  uint64_t since = 0;
};

/// Reads every key of a batch from L1 under one lock.
batch_reads read_batch(self_ptr self, const shard_config& cfg, const std::vector<std::string>& keys,
                       uint64_t* hashes) {
  auto& st = self->state;
  batch_reads b;
  b.results.resize(keys.size());
  pinned_copies large;
  auto lock = lock_store(self);
  b.since = st.store->write_seq();
  // Fetch every key's bucket, then every key's entry, before reading any: the cache misses
  // of the whole batch overlap instead of queueing one after another.
  for (size_t i = 0; i < keys.size(); ++i) {
    hashes[i] = key_hash(keys[i]);
    st.store->prefetch_bucket(hashes[i]);
  }
  for (size_t i = 0; i < keys.size(); ++i)
    st.store->prefetch_entry(hashes[i]);
  for (size_t i = 0; i < keys.size(); ++i)
    st.store->prefetch_links(hashes[i]);
  for (size_t i = 0; i < keys.size(); ++i) {
    st.shared->sample_read(keys[i]);
    if (auto found = st.store->get(keys[i], hashes[i], true)) {
      st.shared->note_hit(hashes[i]);
      b.results[i] = make_hit(std::string{}, tier::l1);
      large.assign(b.results[i].value, found.value, std::move(found.pin));
      b.results[i].hot = st.shared->hot.is_hot(keys[i], cfg.hot_threshold);
      if (found.stale)
        b.stale.push_back(i);
      else if (st.shared->refresh_due(keys[i], found.ttl_left_ms))
        b.ahead.emplace_back(i, found.ttl_left_ms);
    } else {
      st.counts.hot_misses += st.shared->note_miss(keys[i], hashes[i]);
      if (st.coalescer && !st.pending_deletes.contains(keys[i])
          && !st.store->known_absent(hashes[i]))
        b.missing.push_back(i);
    }
  }
  lock.unlock();
  large.copy_all();
  return b;
}

/// Misses load through the coalescer; the batch is answered once all of them are in.
caf::result<lookup_results> load_missing(self_ptr self, const shard_config& cfg,
                                         const std::vector<std::string>& keys, batch_reads& b) {
  auto rp = self->make_response_promise<lookup_results>();
  auto pending = std::make_shared<size_t>(b.missing.size());
  auto all = std::make_shared<lookup_results>(std::move(b.results));
  for (auto i : b.missing) {
    self->request(self->state.coalescer, cfg.load_timeout, load_atom::value, keys[i], b.since)
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
  return rp;
}

} // namespace

caf::result<lookup_results> get_many(self_ptr self, const shard_config& cfg,
                                     const std::vector<std::string>& keys) {
  auto start = std::chrono::steady_clock::now();
  uint64_t stack_hashes[32];
  std::vector<uint64_t> heap_hashes;
  uint64_t* hashes = stack_hashes;
  if (keys.size() > std::size(stack_hashes)) {
    heap_hashes.resize(keys.size());
    hashes = heap_hashes.data();
  }
  auto b = read_batch(self, cfg, keys, hashes);
  for (auto i : b.stale)
    refresh(self, cfg, keys[i], b.since);
  for (auto [i, left] : b.ahead)
    refresh_ahead_of(self, cfg, keys[i], left, b.since);
  for (size_t i = 0; i < keys.size(); ++i)
    if (b.results[i].hot)
      note_lent(self, cfg, keys[i]);
  if (!b.missing.empty())
    if (auto err = check_backlog(self, cfg))
      return err;
  if (b.missing.empty()) {
    self->state.latency.record(micros_since(start));
    return std::move(b.results);
  }
  auto answer = load_missing(self, cfg, keys, b);
  for (auto i : b.missing)
    warm_successors(self, cfg, keys[i], hashes[i]);
  return answer;
}

lookup_result peek(self_ptr self, const std::string& key) {
  auto lock = lock_store(self);
  auto h = key_hash(key);
  if (auto found = self->state.store->get(key, h))
    return make_hit(std::string{found.value}, tier::l1, self->state.store->pttl(key, h));
  return make_miss();
}

/// A new owner asks for a key this node owned: the L1 value, else the coalescer's flight.
caf::result<lookup_result> handoff(self_ptr self, const std::string& key, bool may_fence) {
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
}

/// Warming asks for a key: loaded from L2 by the coalescer unless L1 has it already.
caf::result<lookup_result> warm(self_ptr self, const std::string& key) {
  auto& st = self->state;
  auto hash = key_hash(key);
  uint64_t since = 0; // as in warm_here
  {
    auto lock = lock_store(self);
    if (st.store->pttl(key, hash) != -2)
      return lookup_result{true, static_cast<uint8_t>(tier::l1), {}, false}; // here already
    since = st.store->write_seq();
  }
  if (!st.coalescer || st.pending_deletes.contains(key) || st.order.busy(hash))
    return make_miss();
  return self->delegate(st.coalescer, warm_atom::value, key, since);
}

} // namespace ac::shard_impl
