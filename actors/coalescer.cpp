// The coalescer actor (see coalescer.hpp): L2 first, then compute, once per key in flight.
//
// Who waits for what is core/single_flight's; this file is the I/O of one flight (L2 read,
// the hand-off ask, the compute, the fill) and the answers. It stays one file of ~530 lines
// because those steps call each other both ways (an undecodable L2 entry recomputes, a failed
// ask computes, every step finishes the flight); split, they would need an internal header
// for a dozen private functions.
#include "actors/coalescer.hpp"

#include <functional>
#include <limits>
#include <optional>

#include <spdlog/spdlog.h>

#include "actors/remote_watch.hpp"
#include "actors/shard_store.hpp"
#include "actors/stats_helpers.hpp"
#include "core/printable_text.hpp"
#include "core/ttl_clock.hpp"
#include "core/ttl_grant.hpp"
#include "messages/entry_codec.hpp"
#include "messages/errors.hpp"
#include "messages/kind_stats.hpp"

namespace ac {

namespace {

using self_ptr = coalescer_actor::stateful_pointer<coalescer_state>;

/// No write_seq known for a flight: its fill is kept whatever was written meanwhile.
constexpr uint64_t no_since = UINT64_MAX;

/// The key's flight's earliest load saw the miss at this write_seq of the store.
void note_since(self_ptr self, const std::string& key, uint64_t since) {
  auto [it, fresh] = self->state.since.try_emplace(key, since);
  if (!fresh)
    it->second = std::min(it->second, since);
}

/// The write_seq the fill of the key's flight carries: its earliest load's, or no_since.
uint64_t since_of(self_ptr self, const std::string& key) {
  auto it = self->state.since.find(key);
  return it != self->state.since.end() ? it->second : no_since;
}

/// Puts a loaded value into L1 and holds it (single_flight's settling) until the shard says it
/// has it: loads the shard passed on before the fill are answered with it. The shard drops it
/// when the key was written after the flight's first miss (or a write of it is out); else, with
/// `to_l2`, the shard writes it to L2 too (only then: a computed value must not overwrite a
/// SET's copy in Redis either).
void fill_l1(self_ptr self, const coalescer_config& cfg, const std::string& key,
             const lookup_result& r, uint32_t seconds, bool to_l2 = false) {
  auto& st = self->state;
  auto since = since_of(self, key);
  st.flights.settle(key, r);
  auto done = [self, key] { self->state.flights.fill_done(key); };
  auto on_answer = [=](bool current) {
    done();
    if (!current)
      ++self->state.counts.superseded;
  };
  // No fill, no L2 write: the shard (gone or overloaded) may still take the fill and write it,
  // and a write from here would be outside the key's order of writes.
  auto on_error = [=](caf::error&) { done(); };
  // With L2, the shard writes it there itself when it keeps it: in the key's order of writes.
  if (to_l2 && st.bridge)
    self
      ->request(cfg.shard, cfg.load_timeout, fill_atom::value, l2_put_atom::value, key, r.value,
                seconds, since)
      .then(on_answer, on_error);
  else
    self->request(cfg.shard, cfg.load_timeout, fill_atom::value, key, r.value, seconds, since)
      .then(on_answer, on_error);
}

/// Puts a value that came from elsewhere (L2, the key's previous owner) into L1 for as long as
/// its source says it has left (r.ttl_ms, on that side's own clock); the writer's wall-clock
/// stamp is no measure, that clock may be minutes off, and where the source said nothing it
/// grants no more than the Entry's TTL (core/ttl_grant). A value with too little left (under
/// two seconds) is served to its waiters, not kept.
/// With `cond` (warming) the value enters L1 only when the put_if condition holds there.
void fill_from_source(self_ptr self, const coalescer_config& cfg, const std::string& key,
                      const entry_header& e, const lookup_result& r,
                      std::optional<put_if> cond = std::nullopt) {
  auto ttl = l1_ttl(ttl_facts{r.ttl_ms, e.ttl_seconds, e.created_at_ms, unix_ms()});
  if (!ttl) {
    ++self->state.counts.unkept;
    return;
  }
  auto seconds =
    static_cast<uint32_t>(std::min<int64_t>(ttl->count(), std::numeric_limits<uint32_t>::max()));
  if (cond)
    self->send(cfg.shard, fill_atom::value, key, r.value, seconds, static_cast<uint8_t>(*cond),
               since_of(self, key));
  else
    fill_l1(self, cfg, key, r, seconds);
}

/// Answers every waiter of `key` with the same outcome and ends the flight.
template <class Outcome>
void finish(self_ptr self, const std::string& key, Outcome outcome) {
  self->state.since.erase(key);
  auto f = self->state.flights.finish(key);
  if (!f)
    return;
  for (size_t w = 0; w < f->waiters.size(); ++w) {
    f->waiters[w].deliver(outcome);
    self->state.latency.record(micros_since(f->joined[w]));
  }
  for (auto& w : f->warmers)
    w.deliver(outcome);
}

/// True when only a warm started the flight and no load joined it: an L2 miss ends it there
/// (warming never computes); a joined load makes it a load like any other.
bool warm_only(self_ptr self, const std::string& key) { return self->state.flights.warm_only(key); }

/// Logs one undecodable L2 entry: the first ten, then every thousandth (a Redis full of
/// foreign bytes must not flood the log, but none goes unmentioned in the count).
void log_corrupt(self_ptr self, const coalescer_config& cfg, const std::string& key,
                 const std::string& what) {
  auto n = self->state.counts.l2_corrupt;
  if (n <= 10 || n % 1000 == 0)
    spdlog::warn("coalescer-{}: L2 entry of key '{}' {} ({} so far)", cfg.shard_index,
                 escape_bytes(key.substr(0, 128)), what, n);
}

void compute(self_ptr self, const coalescer_config& cfg, const std::string& key,
             bool write_l2 = true);

/// An L2 entry that does not decode. What a production cache user expects, per case:
/// - written by a newer actorcache (a rolling upgrade): never overwrite it, newer nodes need
///   it; with a loader, compute and serve the value here (L1 only); without one, bad_value
///   naming the versions, since this node cannot read what was stored.
/// - corrupt bytes: with a loader the value can be derived again, so recompute and rewrite
///   (logged: the overwrite is never silent); without one the stored value is lost, and a
///   plain miss would claim it was never stored: bad_value with the decoder's reason.
/// Either way it is counted as l2_corrupt, never as an L2 hit.
void on_undecodable(self_ptr self, const coalescer_config& cfg, const std::string& key,
                    const std::string& why) {
  ++self->state.counts.l2_corrupt;
  const bool newer = why.rfind("unsupported entry schema version", 0) == 0;
  const bool can_compute = static_cast<bool>(self->state.compute);
  if (newer) {
    log_corrupt(
      self, cfg, key,
      "has an " + why + " (this node reads up to " + std::to_string(entry_schema_version) + "); "
        + (can_compute ? "computing the value here, leaving Redis's copy" : "answering bad_value"));
    if (can_compute)
      return compute(self, cfg, key, false);
    return finish(self, key,
                  make_error(errc::bad_value,
                             "the L2 entry of this key was written by a newer "
                             "actorcache ("
                               + why + "); upgrade this node"));
  }
  log_corrupt(
    self, cfg, key,
    "does not decode: " + why + "; "
      + (can_compute ? "recomputing it and overwriting Redis's copy" : "answering bad_value"));
  if (can_compute)
    return compute(self, cfg, key, true);
  ++self->state.counts.errors;
  finish(self, key,
         make_error(errc::bad_value, "the L2 entry of this key does not decode: " + why));
}

void compute(self_ptr self, const coalescer_config& cfg, const std::string& key, bool write_l2) {
  if (!self->state.compute) {
    ++self->state.counts.load_misses;
    finish(self, key, make_miss());
    return;
  }
  self->request(self->state.compute, cfg.load_timeout, compute_atom::value, key)
    .then(
      [=](lookup_result& r) {
        if (r.found) {
          ++self->state.counts.computes;
          // Waiters from a new owner (hand-off) fill their L1 from this: the whole lifetime.
          r.ttl_ms = cfg.default_ttl == 0 ? ttl_left::never : int64_t{cfg.default_ttl} * 1000;
          fill_l1(self, cfg, key, r, cfg.default_ttl, write_l2);
        } else {
          ++self->state.counts.load_misses;
        }
        finish(self, key, std::move(r));
      },
      [=](caf::error& err) {
        // A failed compute fails every waiter and caches no value; with negative_ttl the
        // failure itself is remembered briefly, so a storm on a failing key computes once.
        ++self->state.counts.errors;
        self->state.flights.remember_failure(key, err, std::chrono::steady_clock::now());
        spdlog::debug("coalescer-{}: compute of a key failed: {}", cfg.shard_index, describe(err));
        finish(self, key, std::move(err));
      });
}

/// How often a coalescer with loads or asks out at other nodes looks whether the cluster has
/// declared one of those nodes down while its link stands (frozen, cut off: no down message).
constexpr auto remote_sweep_interval = std::chrono::milliseconds(250);

/// Sends the next sweep_atom while waits are out at other nodes, unless one is on its way.
void arm_remote_sweep(self_ptr self) {
  auto& st = self->state;
  if (st.sweep_armed || st.remote_waits.waits() == 0)
    return;
  st.sweep_armed = true;
  self->delayed_send(self, remote_sweep_interval, sweep_atom::value);
}

/// Runs the fallbacks of the waits at nodes the cluster no longer counts as answering.
void sweep_remote_waits(self_ptr self, const coalescer_config& cfg) {
  auto& st = self->state;
  st.sweep_armed = false;
  if (cfg.routes)
    for (auto& fallback : take_waits_on_gone_nodes(st.remote_waits, *cfg.routes->get()))
      fallback();
  arm_remote_sweep(self);
}

/// Asks an actor on another node (`xs`), answered by `on_reply`. CAF answers nothing when that
/// node dies, so the target is watched (core/watch_list): its down, or an error, runs
/// `on_gone` instead, at once and once; whichever comes second finds nothing to do.
template <class Target, class OnReply, class... Ts>
void ask_remote(self_ptr self, const coalescer_config& cfg, const Target& target, OnReply on_reply,
                std::function<void()> on_gone, Ts&&... xs) {
  auto w = watch_remote(self, self->state.remote_waits, target, std::move(on_gone));
  arm_remote_sweep(self);
  self->request(target, cfg.load_timeout, std::forward<Ts>(xs)...)
    .then(
      [=](lookup_result& r) mutable {
        if (self->state.remote_waits.settle(w.target, w.id))
          on_reply(r);
      },
      [=](caf::error&) {
        if (auto gone = self->state.remote_waits.settle(w.target, w.id))
          (*gone)();
      });
}

/// The previous owner of `key` to ask before computing it (the key moved here lately), or null.
front_actor previous_owner(const coalescer_config& cfg, const std::string& key,
                           std::shared_ptr<const route_snapshot>& snap) {
  if (!cfg.routes)
    return {};
  snap = cfg.routes->get();
  auto prev = previous_owner_to_ask(snap->change, snap->self, key_hash(key),
                                    std::chrono::steady_clock::now(), cfg.handoff_window);
  return prev ? snap->front_of(*prev) : front_actor{};
}

/// Whether this node wrote `key` (a SET, a DEL) since the owners last changed: then what the
/// previous owner kept of it is older than what this node holds (or deleted), and must not be
/// asked for. Slot-based write marks may say yes for an unwritten key: it computes then.
bool written_since_change(const coalescer_config& cfg, const route_snapshot& snap,
                          const std::string& key) {
  if (cfg.shard_index >= snap.stores.size() || !snap.stores[cfg.shard_index])
    return false;
  auto& ss = *snap.stores[cfg.shard_index];
  std::lock_guard<std::mutex> guard{ss.mutex};
  return ss.store && ss.store->written_since(key_hash(key), ss.owners_changed_at);
}

/// Computes, unless the key's owner changed lately: then the previous owner is asked first,
/// and its value (or its flight's outcome) ends this flight without a compute here.
void compute_or_ask(self_ptr self, const coalescer_config& cfg, const std::string& key) {
  std::shared_ptr<const route_snapshot> snap;
  auto peer = previous_owner(cfg, key, snap);
  if (peer && written_since_change(cfg, *snap, key))
    peer = front_actor{}; // e.g. a DEL here after the change: its old value must not come back
  if (peer) {
    if (self->state.flights.in_flight(key)) {
      self->state.flights.set_asking(key, true);
      ++self->state.counts.handoff_asks;
      // The previous owner is gone or slow: computing here is the lesser evil.
      auto compute_here = [self, cfg, key] {
        self->state.flights.set_asking(key, false);
        compute(self, cfg, key);
      };
      ask_remote(
        self, cfg, peer,
        [=](lookup_result& r) {
          self->state.flights.set_asking(key, false);
          auto e = r.found ? decode_header(r.value) : std::nullopt;
          if (!e)
            return compute(self, cfg, key);
          ++self->state.counts.handoff_values;
          fill_from_source(self, cfg, key, *e, r);
          finish(self, key, std::move(r));
        },
        compute_here, route_atom::value, handoff_atom::value, key, snap->epoch);
      return;
    }
  }
  compute(self, cfg, key);
}

void start_flight(self_ptr self, const coalescer_config& cfg, const std::string& key,
                  bool warm = false) {
  if (warm)
    ++self->state.counts.warmed;
  else
    ++self->state.counts.loads;
  if (!self->state.bridge) {
    compute_or_ask(self, cfg, key);
    return;
  }
  // An L2 miss (or L2 trouble) of a flight only a warm asked for ends it as a miss.
  auto not_in_l2 = [=] {
    if (warm_only(self, key))
      return finish(self, key, make_miss());
    compute_or_ask(self, cfg, key);
  };
  // A warm reads behind demand reads (the bridge keeps a connection free for those).
  auto read = warm ? self->request(self->state.bridge, cfg.load_timeout, warm_atom::value, key)
                   : self->request(self->state.bridge, cfg.load_timeout, l2_get_atom::value, key);
  read.then(
    [=](lookup_result& r) {
      if (!r.found) {
        // Redis answered "not there" (not a failure), and nothing will compute the value: the
        // shard may answer the key's next misses itself for a while (core/absent_marks).
        // Not while the key's previous owner may still hold it, or be written through (it
        // moved here lately: compute_or_ask asks it).
        auto since = since_of(self, key);
        std::shared_ptr<const route_snapshot> snap;
        if (cfg.note_absent && r.ttl_ms == ttl_left::gone && !self->state.compute
            && since != no_since && !previous_owner(cfg, key, snap))
          self->send(cfg.shard, absent_atom::value, key, since);
        not_in_l2();
        return;
      }
      // Bytes in Redis are untrusted (another writer, a bug, bit rot, a newer version):
      // never a crash, a bad answer or a silent overwrite (see on_undecodable).
      std::string why;
      auto e = decode_header(r.value, &why);
      if (!e) {
        if (warm_only(self, key))
          return finish(self, key, make_miss()); // a load of the key will sort it out
        on_undecodable(self, cfg, key, why);
      } else {
        ++self->state.counts.l2_hits;
        if (warm_only(self, key)) {
          // Only into an empty slot: a put that came in meanwhile is newer than L2's copy.
          ++self->state.counts.warm_found;
          fill_from_source(self, cfg, key, *e, r, put_if::absent);
        } else {
          fill_from_source(self, cfg, key, *e, r);
        }
        finish(self, key, std::move(r));
      }
    },
    // The bridge counts its own trouble; for the caller an L2 failure is just a miss there.
    [=](caf::error&) { not_in_l2(); });
}

/// Refresh-ahead without a loader: Redis's copy replaces L1's only when it lives longer (someone
/// wrote the key again since L1 was filled); the same value with the same lifetime changes nothing.
void refresh_from_l2(self_ptr self, const coalescer_config& cfg, const std::string& key,
                     int64_t l1_left_ms) {
  self->request(self->state.bridge, cfg.load_timeout, l2_get_atom::value, key)
    .then(
      [=](lookup_result& r) {
        auto e = r.found ? decode_header(r.value) : std::nullopt;
        // An Entry without a lifetime (ttl_seconds 0) cannot be shown to live longer: left alone.
        if (!e || e->ttl_seconds == 0)
          return finish(self, key, make_miss());
        // What L2's copy has left, on Redis's clock (core/ttl_grant): never the writer's stamp.
        auto grant = l1_ttl(ttl_facts{r.ttl_ms, e->ttl_seconds, e->created_at_ms, unix_ms()});
        if (!grant || grant->count() == 0)
          return finish(self, key, make_miss());
        auto left_ms = r.ttl_ms > 0 ? r.ttl_ms : grant->count() * 1000;
        // L1 rounds deadlines up to whole seconds: only a copy a second longer is a later write.
        if (left_ms <= l1_left_ms + 1000)
          return finish(self, key, make_miss());
        ++self->state.counts.refresh_l2;
        fill_from_source(self, cfg, key, *e, r);
        finish(self, key, std::move(r));
      },
      [=](caf::error& err) { finish(self, key, std::move(err)); });
}

/// Refresh-ahead of a hot key (see coalescer_actor): joins the key's flight, or starts one that
/// computes at once; no L2 read, since Redis holds what L1 holds until the same deadline.
caf::result<lookup_result> start_refresh(self_ptr self, const coalescer_config& cfg,
                                         const std::string& key, int64_t l1_left_ms,
                                         uint64_t since) {
  auto& st = self->state;
  note_since(self, key, since);
  auto rp = self->make_response_promise<lookup_result>();
  if (!st.flights.join(key, rp, std::chrono::steady_clock::now())) {
    ++st.counts.refresh_joined;
    return rp;
  }
  ++st.counts.refreshes;
  if (st.compute)
    compute(self, cfg, key);
  else if (st.bridge)
    refresh_from_l2(self, cfg, key, l1_left_ms);
  else
    finish(self, key, make_miss());
  return rp;
}

/// True when `node` is an alive member's (a fence to a dead node is void).
bool member_alive(const coalescer_config& cfg, const caf::node_id& node) {
  return cfg.routes && cfg.routes->get()->has_member_node(node);
}

/// Adds a waiter to the key's flight, starting the flight when there is none.
void join_flight(self_ptr self, const coalescer_config& cfg, const std::string& key,
                 caf::typed_response_promise<lookup_result> rp, uint64_t since) {
  note_since(self, key, since);
  if (self->state.flights.join(key, std::move(rp), std::chrono::steady_clock::now()))
    start_flight(self, cfg, key);
}

actor_stats make_stats(self_ptr self, const coalescer_config& cfg) {
  auto& st = self->state;
  auto& sf = st.flights.stats();
  auto row = stats_row(self, "coalescer-" + std::to_string(cfg.shard_index), st.handled);
  auto s = st.counts;
  s.in_flight = static_cast<int64_t>(st.flights.flights());
  s.waiters = static_cast<int64_t>(st.flights.waiting());
  s.settling = static_cast<int64_t>(st.flights.settling());
  s.coalesced = static_cast<int64_t>(sf.coalesced);
  s.settled = static_cast<int64_t>(sf.settled);
  s.max_waiters = static_cast<int64_t>(sf.max_waiters);
  s.negative_hits = static_cast<int64_t>(sf.negative_hits);
  put_stats(row, s);
  put_latency(row, st.latency);
  return row;
}

/// A load of a key L1 missed: a recent failure or a settling value answers it; a key fenced to
/// its new owner goes there; else it joins the key's flight or starts one.
caf::result<lookup_result> on_load(self_ptr self, const coalescer_config& cfg,
                                   const std::string& key, uint64_t since) {
  auto& st = self->state;
  ++st.handled;
  auto now = std::chrono::steady_clock::now();
  if (auto* failure = st.flights.recent_failure(key, now))
    return *failure;
  if (auto* value = st.flights.settling_value(key))
    return *value; // passed on by the shard before the value's fill reached it
  auto rp = self->make_response_promise<lookup_result>();
  if (!st.flights.in_flight(key))
    if (auto* target = st.fences.target_of(key, now)) {
      if (member_alive(cfg, target->node())) {
        // The key's new owner asked us: its flight is the one. Should it fail us (it died,
        // it restarted), the fence ends and this node loads the key itself.
        ++st.counts.fenced_loads;
        auto load_here = [=]() mutable {
          self->state.fences.erase(key);
          join_flight(self, cfg, key, rp, since);
        };
        // Not this node's store: the new owner's flight fills by its own shard's write_seq.
        ask_remote(
          self, cfg, *target, [rp](lookup_result& r) mutable { rp.deliver(std::move(r)); },
          load_here, load_atom::value, key, no_since);
        return rp;
      }
      st.fences.erase(key); // its asker is gone: its flight died with it
    }
  join_flight(self, cfg, key, rp, since);
  return rp;
}

/// Warming is a guess: it never waits behind, duplicates or overrides real work. No L2, a
/// flight under way, a settling value, a recent failure or a key fenced to its new owner: skip.
caf::result<lookup_result> on_warm(self_ptr self, const coalescer_config& cfg,
                                   const std::string& key, uint64_t since) {
  auto& st = self->state;
  ++st.handled;
  auto now = std::chrono::steady_clock::now();
  if (!st.bridge || st.fences.target_of(key, now) != nullptr)
    return make_miss();
  auto rp = self->make_response_promise<lookup_result>();
  if (st.flights.warm(key, rp, now)) {
    note_since(self, key, since); // its fill loses to a write of the key after the warm began
    start_flight(self, cfg, key, true);
  } else
    rp.deliver(make_miss());
  return rp;
}

/// The key's new owner asks before computing: join the flight here, or take the value that
/// just settled here, or (from a member) fence the key to the asker.
caf::result<lookup_result> on_handoff(self_ptr self, const coalescer_config& cfg,
                                      const std::string& key, bool may_fence) {
  auto& st = self->state;
  ++st.handled;
  if (st.flights.in_flight(key)) {
    // Both sides asking each other (views in flux): neither waits for the other.
    if (st.flights.asking(key))
      return make_miss();
    ++st.counts.handoff_joined;
    auto rp = self->make_response_promise<lookup_result>();
    st.flights.join(key, rp, std::chrono::steady_clock::now());
    return rp;
  }
  if (auto* value = st.flights.settling_value(key))
    return *value; // its flight just ended here: no fence, the value is the answer
  if (may_fence) {
    auto asker = caf::actor_cast<coalescer_actor>(self->current_sender());
    if (asker && st.fences.fence(key, asker, std::chrono::steady_clock::now() + cfg.handoff_window))
      ++st.counts.fenced;
  }
  return make_miss();
}

} // namespace

coalescer_state::~coalescer_state() {
  // Waiters must not hang when the coalescer (or its linked shard) fails: they get an error now.
  for (auto& f : flights.take_all()) {
    for (auto& rp : f.waiters)
      rp.deliver(make_error(errc::unavailable, "the shard serving this key restarted"));
    for (auto& rp : f.warmers)
      rp.deliver(make_error(errc::unavailable, "the shard serving this key restarted"));
  }
}

coalescer_actor::behavior_type coalescer(coalescer_actor::stateful_pointer<coalescer_state> self,
                                         coalescer_config cfg) {
  self->state.bridge = cfg.bridge;
  self->state.compute = cfg.compute;
  self->state.flights = flight_table{cfg.negative_ttl, cfg.max_negative};
  // A node asked (a fenced load, a hand-off ask) went down: what waited on it is done here.
  self->set_down_handler([self](caf::down_msg& dm) {
    for (auto& gone : self->state.remote_waits.take(dm.source))
      gone();
  });
  return {
    [=](load_atom, const std::string& key, uint64_t since) {
      return on_load(self, cfg, key, since);
    },
    [=](refresh_atom, const std::string& key, int64_t l1_left_ms,
        uint64_t since) -> caf::result<lookup_result> {
      ++self->state.handled;
      // A key fenced to its new owner is no longer this node's to refresh.
      if (self->state.fences.target_of(key, std::chrono::steady_clock::now()))
        return make_miss();
      return start_refresh(self, cfg, key, l1_left_ms, since);
    },
    [=](warm_atom, const std::string& key, uint64_t since) {
      return on_warm(self, cfg, key, since);
    },
    [=](handoff_atom, const std::string& key, bool may_fence) {
      return on_handoff(self, cfg, key, may_fence);
    },
    [=](update_atom, const redis_bridge_actor& bridge, const compute_actor& compute) {
      self->state.bridge = bridge;
      self->state.compute = compute;
    },
    [=](sweep_atom) { sweep_remote_waits(self, cfg); },
    [=](stats_atom) { return make_stats(self, cfg); },
  };
}

} // namespace ac
