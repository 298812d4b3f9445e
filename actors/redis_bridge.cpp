// The Redis bridge actor (see redis_bridge.hpp).
#include "actors/redis_bridge.hpp"

#include <spdlog/spdlog.h>

#include "actors/stats_helpers.hpp"
#include "messages/errors.hpp"
#include "messages/kind_stats.hpp"

namespace ac {

namespace {

using self_ptr = redis_bridge_actor::stateful_pointer<redis_bridge_state>;
using clock = std::chrono::steady_clock;

// -- the bridge ----------------------------------------------------------------

void flush(self_ptr self, const redis_bridge_config& cfg);

/// Runs `f` on the key of every put and delete of a batch.
template <class F>
void for_each_write_key(const l2_batch& batch, F f) {
  for (auto& put : batch.puts)
    f(std::get<0>(put));
  for (auto& key : batch.dels)
    f(key);
  for (auto& put : batch.cond_puts)
    f(put.key);
}

/// How long a worker may take for a batch (redis_bridge_config::batch_bound).
std::chrono::milliseconds batch_bound(const redis_bridge_config& cfg) {
  if (cfg.batch_bound.count() > 0)
    return cfg.batch_bound;
  return cfg.redis.timeout * 4 + std::chrono::milliseconds(100);
}

using write_promises = std::vector<caf::typed_response_promise<uint8_t>>;

/// Answers every writer of a batch with what became of its write (l2_outcome).
void answer_writers(write_promises& writers, l2_outcome outcome) {
  for (auto& rp : writers)
    rp.deliver(to_wire(outcome));
  writers.clear();
}

/// Answers writers whose writes Redis may have left as they were (a delete of a key it did not
/// hold, a conditional put whose condition failed): written where `changed` says so, else
/// not_applied.
void answer_each(write_promises& writers, const std::vector<bool>& changed) {
  for (size_t i = 0; i < writers.size(); ++i) {
    bool c = i < changed.size() && changed[i];
    writers[i].deliver(to_wire(c ? l2_outcome::written : l2_outcome::not_applied));
  }
  writers.clear();
}

void on_result(self_ptr self, const redis_bridge_config& cfg, l2_batch_waiters& b,
               const std::shared_ptr<l2_batch_result>& r, bool worker_free = true) {
  auto& st = self->state;
  if (worker_free)
    st.idle.push_back(b.worker);
  st.latency.record(micros_since(b.sent));
  auto& waiters = b.readers;
  if (r && r->ok) {
    st.breaker.on_success(clock::now());
    st.counts.writes += b.writes();
    answer_writers(b.writers, l2_outcome::written);
    answer_each(b.del_writers, r->removed);
    answer_each(b.cond_writers, r->applied);
    for (size_t i = 0; i < waiters.size(); ++i) {
      if (i < r->values.size() && r->values[i]) {
        ++st.counts.l2_hits;
        waiters[i].deliver(
          make_hit(std::move(r->values[i]->value), tier::l2, r->values[i]->pttl_ms));
      } else {
        ++st.counts.l2_misses;
        waiters[i].deliver(make_absent());
      }
    }
  } else {
    st.breaker.on_failure(clock::now());
    ++st.counts.l2_errors;
    st.counts.writes_dropped += b.writes();
    // Sent and not answered (or overdue: the sweep passes no result): Redis may have them.
    auto outcome = r && !r->sent ? l2_outcome::not_written : l2_outcome::unknown;
    answer_writers(b.writers, outcome);
    answer_writers(b.del_writers, outcome);
    answer_writers(b.cond_writers, outcome);
    spdlog::debug("redis_bridge: batch failed: {}", r ? r->error : "worker gone or overdue");
    // An L2 failure reads as a miss: the caller computes instead of failing.
    for (auto& rp : waiters)
      rp.deliver(make_miss());
  }
  flush(self, cfg);
}

/// While batches are out: every quarter of the bound (at most 250 ms) the overdue ones fail.
/// One timer for all of them, so a busy bridge wakes the clock thread 4 times a second, not
/// twice per batch.
void arm_sweep(self_ptr self, const redis_bridge_config& cfg) {
  auto& st = self->state;
  if (st.sweep_armed || st.out.empty())
    return;
  st.sweep_armed = true;
  auto every = std::clamp<std::chrono::milliseconds>(
    batch_bound(cfg) / 4, std::chrono::milliseconds(1), std::chrono::milliseconds(250));
  self->delayed_send(self, every, sweep_atom::value);
}

void sweep(self_ptr self, const redis_bridge_config& cfg) {
  auto& st = self->state;
  st.sweep_armed = false;
  std::vector<std::shared_ptr<l2_batch_waiters>> overdue;
  st.out.expire(clock::now(),
                [&](std::shared_ptr<l2_batch_waiters>& b) { overdue.push_back(std::move(b)); });
  for (auto& b : overdue) {
    spdlog::warn("redis_bridge: a worker has not answered a batch within {} ms",
                 batch_bound(cfg).count());
    for_each_write_key(*b->batch, [&](const std::string& key) { ++st.overdue_writes[key]; });
    on_result(self, cfg, *b, nullptr, false); // the worker is busy until it answers (late_answer)
  }
  arm_sweep(self, cfg);
}

/// The worker of a batch the sweep gave up on answered at last: it is free again, and the
/// batch's keys may be written anew.
void late_answer(self_ptr self, const redis_bridge_config& cfg, const l2_batch& batch,
                 const redis_worker_actor& worker) {
  auto& st = self->state;
  for_each_write_key(batch, [&](const std::string& key) {
    auto it = st.overdue_writes.find(key);
    if (it != st.overdue_writes.end() && --it->second == 0)
      st.overdue_writes.erase(it);
  });
  st.idle.push_back(worker);
  flush(self, cfg);
}

/// Moves the queued writes into `batch` (and their writers into `b`), except those of keys an
/// overdue batch still writes (redis_bridge_state::overdue_writes): they stay queued, in order.
void take_writes(redis_bridge_state& st, l2_batch& batch, l2_batch_waiters& b) {
  if (st.overdue_writes.empty()) {
    batch.puts.swap(st.writes.puts);
    batch.dels.swap(st.writes.dels);
    batch.cond_puts.swap(st.writes.cond_puts);
    b.writers.swap(st.write_waiters);
    b.del_writers.swap(st.del_waiters);
    b.cond_writers.swap(st.cond_waiters);
    return;
  }
  auto split = [&](auto& queue, write_promises& waiters, auto& into, write_promises& into_waiters,
                   auto key_of) {
    size_t kept = 0;
    for (size_t i = 0; i < queue.size(); ++i) {
      if (st.overdue_writes.contains(key_of(queue[i]))) {
        if (kept != i) {
          queue[kept] = std::move(queue[i]);
          waiters[kept] = std::move(waiters[i]);
        }
        ++kept;
      } else {
        into.push_back(std::move(queue[i]));
        into_waiters.push_back(std::move(waiters[i]));
      }
    }
    queue.resize(kept);
    waiters.resize(kept);
  };
  split(st.writes.puts, st.write_waiters, batch.puts, b.writers,
        [](const auto& put) -> const std::string& { return std::get<0>(put); });
  split(st.writes.dels, st.del_waiters, batch.dels, b.del_writers,
        [](const std::string& key) -> const std::string& { return key; });
  split(st.writes.cond_puts, st.cond_waiters, batch.cond_puts, b.cond_writers,
        [](const auto& put) -> const std::string& { return put.key; });
}

/// Whether a queued write may leave now (take_writes would take it).
bool has_sendable_writes(const redis_bridge_state& st) {
  if (st.overdue_writes.empty())
    return !st.writes.empty();
  for (auto& put : st.writes.puts)
    if (!st.overdue_writes.contains(std::get<0>(put)))
      return true;
  for (auto& key : st.writes.dels)
    if (!st.overdue_writes.contains(key))
      return true;
  for (auto& put : st.writes.cond_puts)
    if (!st.overdue_writes.contains(put.key))
      return true;
  return false;
}

void flush(self_ptr self, const redis_bridge_config& cfg) {
  auto& st = self->state;
  // Warming reads keep one connection free for demand reads (none to keep with a pool of one).
  const size_t reserve = cfg.pool_size > 1 ? 1 : 0;
  auto work = [&] {
    return !st.gets.empty() || has_sendable_writes(st)
           || (!st.background.empty() && st.idle.size() > reserve);
  };
  while (!st.idle.empty() && work()) {
    if (!st.breaker.allow(clock::now())) {
      // Open breaker: answer reads as misses and drop writes at once rather than queueing.
      st.counts.short_circuited += st.gets.size() + st.background.size();
      st.counts.writes_dropped +=
        st.writes.puts.size() + st.writes.dels.size() + st.writes.cond_puts.size();
      for (auto& g : st.gets)
        g.second.deliver(make_miss());
      st.gets.clear();
      for (auto& g : st.background)
        g.second.deliver(make_miss());
      st.background.clear();
      st.writes = l2_batch{};
      answer_writers(st.write_waiters, l2_outcome::not_written);
      answer_writers(st.del_waiters, l2_outcome::not_written);
      answer_writers(st.cond_waiters, l2_outcome::not_written);
      return;
    }
    auto batch = std::make_shared<l2_batch>();
    auto b = std::make_shared<l2_batch_waiters>();
    for (auto* queue : {&st.gets, &st.background})
      while (!queue->empty() && batch->get_keys.size() < cfg.batch_max) {
        batch->get_keys.push_back(std::move(queue->front().first));
        b->readers.push_back(std::move(queue->front().second));
        queue->pop_front();
      }
    take_writes(st, *batch, *b);
    b->batch = batch;
    if (!batch->get_keys.empty())
      st.batch_sizes.record(batch->get_keys.size());
    ++st.counts.batches;
    b->worker = st.idle.back();
    st.idle.pop_back();
    b->sent = clock::now();
    // No CAF timeout (see redis_bridge_state::out): the sweep fails a batch past its bound.
    auto id = st.out.open(b->sent + batch_bound(cfg), b);
    // `cfg` by reference: it is a handler's copy in the bridge's one behavior, which outlives
    // every response handler (CAF drops those when the actor ends); a copy per batch would
    // allocate its strings each time.
    auto done = [self, &cfg, id, batch,
                 worker = b->worker](const std::shared_ptr<l2_batch_result>& r) {
      if (auto waiting = self->state.out.take(id))
        on_result(self, cfg, **waiting, r);
      else // the sweep answered its waiters already: this answer only frees the worker
        late_answer(self, cfg, *batch, worker);
    };
    self->request(b->worker, caf::infinite, l2_get_atom::value, batch)
      .then([done](const std::shared_ptr<l2_batch_result>& r) { done(r); },
            [done](caf::error&) { done(nullptr); });
  }
  arm_sweep(self, cfg);
}

/// Sends now, or after batch_wait when configured, so that more keys can join the batch.
void schedule(self_ptr self, const redis_bridge_config& cfg) {
  if (cfg.batch_wait.count() == 0) {
    flush(self, cfg);
  } else if (!self->state.tick_armed) {
    self->state.tick_armed = true;
    self->delayed_send(self, cfg.batch_wait, tick_atom::value);
  }
}

actor_stats make_stats(self_ptr self) {
  auto& st = self->state;
  auto row = stats_row(self, "redis_bridge", st.handled);
  auto s = st.counts;
  s.batch_p50 = static_cast<int64_t>(st.batch_sizes.percentile(0.5));
  s.batch_max = static_cast<int64_t>(st.batch_sizes.max());
  s.breaker_opened = static_cast<int64_t>(st.breaker.opened_count());
  // 0 closed, 1 open, 2 half-open: the metrics actor names it (core/circuit_breaker).
  s.breaker_state = static_cast<int64_t>(st.breaker.state(clock::now()));
  s.connections_idle = static_cast<int64_t>(st.idle.size());
  put_stats(row, s);
  put_latency(row, st.latency);
  return row;
}

} // namespace

// Long on purpose: one short handler per message of the bridge's interface, read as one list.
redis_bridge_actor::behavior_type redis_bridge(
  redis_bridge_actor::stateful_pointer<redis_bridge_state> self, redis_bridge_config cfg) {
  self->state.breaker = circuit_breaker{cfg.breaker};
  for (uint32_t i = 0; i < std::max<uint32_t>(cfg.pool_size, 1); ++i)
    self->state.idle.push_back(spawn_redis_worker(self, cfg.redis, uint64_t{i} * 7919 + 1));
  spdlog::info("redis_bridge: L2 at {}:{} db {} prefix '{}', {} connections", cfg.redis.host,
               cfg.redis.port, cfg.redis.db, cfg.redis.key_prefix, cfg.pool_size);
  return {
    [=](l2_get_atom, std::string& key) -> caf::result<lookup_result> {
      ++self->state.handled;
      auto rp = self->make_response_promise<lookup_result>();
      self->state.gets.emplace_back(std::move(key), rp);
      schedule(self, cfg);
      return rp;
    },
    [=](warm_atom, std::string& key) -> caf::result<lookup_result> {
      ++self->state.handled;
      ++self->state.counts.background_reads;
      auto rp = self->make_response_promise<lookup_result>();
      self->state.background.emplace_back(std::move(key), rp);
      schedule(self, cfg);
      return rp;
    },
    [=](l2_put_atom, std::string& key, std::string& value, uint32_t ttl) -> caf::result<uint8_t> {
      auto& st = self->state;
      ++st.handled;
      // A slow Redis must not grow the node without bound: L2 is a cache, so the older half
      // of the backlog goes (at once, to keep the cost per write constant).
      if (st.writes.puts.size() >= cfg.max_pending_writes) {
        auto half = static_cast<std::ptrdiff_t>(st.writes.puts.size() / 2);
        st.writes.puts.erase(st.writes.puts.begin(), st.writes.puts.begin() + half);
        write_promises dropped(std::make_move_iterator(st.write_waiters.begin()),
                               std::make_move_iterator(st.write_waiters.begin() + half));
        st.write_waiters.erase(st.write_waiters.begin(), st.write_waiters.begin() + half);
        answer_writers(dropped, l2_outcome::not_written);
        st.counts.writes_dropped += half;
      }
      auto rp = self->make_response_promise<uint8_t>();
      st.writes.puts.emplace_back(std::move(key), std::move(value), ttl);
      st.write_waiters.push_back(rp);
      schedule(self, cfg);
      return rp;
    },
    [=](l2_put_atom, std::string& key, std::string& value, uint32_t ttl,
        uint8_t cond) -> caf::result<uint8_t> {
      auto& st = self->state;
      ++st.handled;
      // Not dropped from a backlog as plain puts are: whoever asks waits for the judgement.
      auto rp = self->make_response_promise<uint8_t>();
      st.writes.cond_puts.push_back(
        {std::move(key), std::move(value), ttl, cond != static_cast<uint8_t>(put_if::present)});
      st.cond_waiters.push_back(rp);
      schedule(self, cfg);
      return rp;
    },
    [=](l2_del_atom, std::string& key) -> caf::result<uint8_t> {
      ++self->state.handled;
      auto rp = self->make_response_promise<uint8_t>();
      self->state.writes.dels.push_back(std::move(key));
      self->state.del_waiters.push_back(rp);
      schedule(self, cfg);
      return rp;
    },
    [=](tick_atom) {
      self->state.tick_armed = false;
      flush(self, cfg);
    },
    [=](sweep_atom) { sweep(self, cfg); },
    [=](stats_atom) { return make_stats(self); },
  };
}

} // namespace ac
