// Internal to the shard actor (shard*.cpp): the steps its handlers call; not for other actors.
#pragma once

#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <tuple>
#include <type_traits>
#include <vector>

#include "actors/shard.hpp"
#include "core/key_normalization.hpp"
#include "messages/errors.hpp"
#include "messages/l2_outcome.hpp"

namespace ac::shard_impl {

using self_ptr = shard_actor::stateful_pointer<shard_state>;

/// Every access to the store (and the hot-key sketch) holds the shard_store's mutex: RESP
/// sessions read hits from it on their own threads (shard_store.hpp).
inline std::unique_lock<std::mutex> lock_store(self_ptr self) {
  return std::unique_lock<std::mutex>{self->state.shared->mutex};
}

// -- order per key while its writes are out at Redis (core/key_order.hpp) ----------------------

/// Sends back the next request waiting on a key, if key_order names one.
inline void send_back(std::optional<std::function<void(bool)>> op) {
  if (op)
    (*op)(true);
}

/// Runs `run` (a request on `keys`, arrived as `msg`) now, or queues the request behind a
/// key's writes out at Redis: it is sent back through the mailbox when its turn comes and runs
/// then, answered as itself (the send-back keeps its sender and request id, which tell it apart
/// on arrival). The fast path, with no write out anywhere, checks one empty table.
/// - A message that is no request (no sender, or sent without awaiting an answer) has no id of
///   its own to be told apart by: it runs at once. The node's own senders (RESP sessions, the
///   lease keeper, fronts) send requests.
/// - A get_many that came back for one key and must wait for another lets the first key's next
///   request go on: its reads of the two keys are not one moment anyway.
template <class R, class Run, class... Ts>
caf::result<R> in_key_order(self_ptr self, const std::string* keys, size_t n, Run run,
                            Ts&&... msg) {
  auto& st = self->state;
  if (st.order.idle() || !self->current_sender() || !self->current_message_id().is_request()) {
    ++st.handled;
    return run();
  }
  shard_op_id id{self->current_sender(), self->current_message_id()};
  shard_key_order::admission admission;
  if (n == 1) { // a get, put or delete: no list to build (writes under load take this path)
    admission = st.order.admit_one(key_hash(keys[0]), id);
  } else {
    std::vector<uint64_t> hashes;
    hashes.reserve(n);
    for (size_t i = 0; i < n; ++i)
      hashes.push_back(key_hash(keys[i]));
    admission = st.order.admit_all(std::move(hashes), id);
  }
  auto release = [&] {
    for (auto h : admission.released)
      send_back(st.order.ran(h));
  };
  if (admission.wait_on) {
    ++st.counts.key_waits;
    auto rp = self->make_response_promise<R>();
    auto args = std::make_tuple(std::decay_t<Ts>(std::move(msg))...);
    st.order.wait(*admission.wait_on, std::move(id), [self, rp, args](bool turn) mutable {
      if (!turn)
        return void(rp.deliver(make_error(errc::unavailable, "the shard restarted; ask again")));
      std::apply(
        [&](auto&... xs) { rp.delegate(caf::actor_cast<shard_actor>(self), std::move(xs)...); },
        args);
    });
    release();
    return rp;
  }
  ++st.handled;
  auto result = run();
  release();
  return result;
}

template <class R, class Run, class... Ts>
caf::result<R> in_key_order(self_ptr self, const std::string& key, Run run, Ts&&... msg) {
  return in_key_order<R>(self, &key, 1, std::move(run), std::forward<Ts>(msg)...);
}

// -- writes to Redis in the key's order (shard_writes.cpp, shard_fills.cpp) -------------------

/// Asks the bridge something about `key` (a write, a delete, or a read that judges it: `xs`);
/// `on_done` gets the bridge's answer, an `R`, and `on_err` a failure of the ask itself.
/// - The key's later requests wait until it is back and its continuation has run
///   (in_key_order), so that they see its effect in L1 and the key's next write reaches Redis
///   after it.
/// - No CAF timeout: the bridge is a local actor that answers every ask (done, refused while
///   Redis is down, dropped from a backlog, unanswered by its bound), and a timeout's two
///   wake-ups of the clock thread cost more than the rest of the hand-off (bench/RESULTS.md,
///   session 17). Should the bridge die holding it, the sweep fails it once load-timeout passed.
template <class R, class OnDone, class... Ts>
void ask_bridge_in_order(self_ptr self, const shard_config& cfg, const std::string& key,
                         OnDone on_done, std::function<void(caf::error&)> on_err, Ts&&... xs) {
  auto& st = self->state;
  auto h = key_hash(key);
  st.order.write_out(h);
  auto id = st.bridge_asks.open(ac_clock::now() + cfg.load_timeout,
                                [self, h, on_err = std::move(on_err)](caf::error& err) mutable {
                                  on_err(err);
                                  send_back(self->state.order.write_back(h));
                                });
  self->request(st.bridge, caf::infinite, std::forward<Ts>(xs)...)
    .then(
      [self, id, h, on_done = std::move(on_done)](R& answer) mutable {
        if (!self->state.bridge_asks.settle(id))
          return; // the sweep failed it already
        on_done(answer);
        send_back(self->state.order.write_back(h));
      },
      [self, id](caf::error& err) mutable {
        if (auto failed = self->state.bridge_asks.take(id))
          (*failed)(err);
      });
}

/// Asks the bridge to write or delete `key` (l2_put_atom or l2_del_atom in `xs`), in the key's
/// order (ask_bridge_in_order); `on_done` gets what became of it (l2_outcome).
template <class OnDone, class... Ts>
void write_to_bridge(self_ptr self, const shard_config& cfg, const std::string& key, OnDone on_done,
                     std::function<void(caf::error&)> on_err, Ts&&... xs) {
  ask_bridge_in_order<uint8_t>(
    self, cfg, key,
    [on_done = std::move(on_done)](uint8_t outcome) mutable { on_done(l2_outcome_of(outcome)); },
    std::move(on_err), std::forward<Ts>(xs)...);
}

// -- reads (shard_reads.cpp) ------------------------------------------------------------------

caf::result<lookup_result> get_one(self_ptr self, const shard_config& cfg, const std::string& key);
caf::result<lookup_results> get_many(self_ptr self, const shard_config& cfg,
                                     const std::vector<std::string>& keys);
lookup_result peek(self_ptr self, const std::string& key);
caf::result<lookup_result> handoff(self_ptr self, const std::string& key, bool may_fence);
void refresh_ahead_of(self_ptr self, const shard_config& cfg, const std::string& key,
                      int64_t ttl_left_ms, uint64_t since);
caf::result<lookup_result> warm(self_ptr self, const std::string& key);
void warm_here(self_ptr self, const shard_config& cfg, const std::string& key, uint64_t hash);

// -- writes (shard_writes.cpp) ----------------------------------------------------------------

caf::result<uint8_t> put(self_ptr self, const shard_config& cfg, const std::string& key,
                         std::string& value, uint32_t ttl);
caf::result<uint8_t> put_if_cond(self_ptr self, const shard_config& cfg, const std::string& key,
                                 std::string& value, uint32_t ttl, uint8_t cond);
caf::result<bool> erase(self_ptr self, const shard_config& cfg, const std::string& key);
void retry_pending_deletes(self_ptr self, const shard_config& cfg);

/// The error of a write (`done`: "stored", "deleted", "changed") Redis did not confirm. Never
/// sent: nothing changed anywhere. Sent without an answer: Redis may have applied it, so the
/// client hears exactly that, and L1 forgets the key. `rule` names why it waited for Redis.
caf::error unconfirmed(self_ptr self, const shard_config& cfg, const std::string& key,
                       l2_outcome outcome, const std::string& done, const std::string& why = {},
                       const char* rule = "redis.write-policy=sync");

using erase_done = std::function<void(caf::expected<bool>)>;

/// DEL's work: `done` gets whether the key was there, or why nothing was deleted. Without Redis,
/// L1 alone. With Redis, sync erases there first (refused while it is down), and the key was
/// there when L1 or Redis held it (Redis outlives L1); l1-when-down erases L1 at once (a key
/// L1 held was there: answered at once; one it lacked, by Redis, or as absent while Redis does
/// not answer), and remembers the key until Redis confirms, so the value never comes back.
void erase_everywhere(self_ptr self, const shard_config& cfg, const std::string& key,
                      erase_done done);

/// An erase_done that delivers what erase_everywhere found as `answer(erased)`, or its error.
template <class T, class Answer>
erase_done deliver_to(caf::typed_response_promise<T> rp, Answer answer) {
  return [rp, answer](caf::expected<bool> erased) mutable {
    if (erased)
      rp.deliver(answer(*erased));
    else
      rp.deliver(erased.error());
  };
}

// -- EXISTS, PTTL, EXPIRE (shard_keyspace.cpp) -------------------------------------------------

caf::result<int64_t> keyspace(self_ptr self, const shard_config& cfg, uint8_t op,
                              const std::string& key, int64_t arg);

// -- fills: loaded and warmed values entering L1 (shard_fills.cpp) ------------------------------

bool fill(self_ptr self, const std::string& key, std::string& value, uint32_t ttl, uint64_t since);
bool fill_and_write(self_ptr self, const shard_config& cfg, const std::string& key,
                    std::string& value, uint32_t ttl, uint64_t since);
void fill_if(self_ptr self, const std::string& key, std::string& value, uint32_t ttl, uint8_t cond,
             uint64_t since);
void note_absent(self_ptr self, const shard_config& cfg, const std::string& key, uint64_t since);

// -- upkeep: listing, sweeps, ownership changes, warming lists, stats (shard_upkeep.cpp) --------

scan_page scan(self_ptr self, uint64_t cursor, const std::string& pattern, uint32_t limit);
uint64_t flush(self_ptr self);
void sweep(self_ptr self, const shard_config& cfg);
void on_ownership_change(self_ptr self, const shard_config& cfg, uint64_t epoch, bool healed);
void drop_disowned(self_ptr self, const shard_config& cfg, uint64_t cursor, uint64_t epoch);
hot_key_list hot_list(self_ptr self, uint32_t n);
hot_key_list resident_names(self_ptr self, const shard_config& cfg, uint32_t n,
                            const std::string& owner);
caf::result<std::vector<actor_stats>> stats(self_ptr self, const shard_config& cfg);

} // namespace ac::shard_impl
