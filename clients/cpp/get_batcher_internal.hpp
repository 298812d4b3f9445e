// Internal to the get batchers (get_batcher.cpp, get_batcher_resp.cpp): a batcher's state and the steps both files use.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include <caf/event_based_actor.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_response_promise.hpp>

#include "clients/cpp/get_batcher.hpp"
#include "clients/cpp/resp_link.hpp"
#include "messages/front_actor.hpp"
#include "messages/lookup.hpp"

namespace ac::get_batcher_internal {

/// A batcher sends this to itself: it queues behind every get already waiting, so when it
/// runs the batcher has seen the whole mailbox turn and sends what it collected.
using batch_flush_atom = caf::atom_constant<caf::atom("gbflush")>;
/// A batcher sends this to itself when its batch window ends (`window` > 0).
using window_flush_atom = caf::atom_constant<caf::atom("gbwflush")>;
/// A batcher sends this to itself to write MGETs the RESP socket did not take at once.
using resp_link_flush_atom = caf::atom_constant<caf::atom("gbrflush")>;

using promise = caf::typed_response_promise<lookup_result>;

/// A get_many a client handed to the batcher: its keys may travel in several wire batches,
/// and it is answered once every key is in, or with the first error.
struct many_waiter {
  lookup_results results;
  size_t remaining = 0;
  caf::typed_response_promise<lookup_results> rp;
  bool failed = false;
};

/// Where one key's answer goes: a single get's promise, or one slot of a get_many.
struct answer_slot {
  promise rp;                        // a single get (when `many` is null)
  std::shared_ptr<many_waiter> many; // or this get_many, at `index`
  size_t index = 0;

  void deliver(lookup_result r) {
    if (!many) {
      rp.deliver(std::move(r));
      return;
    }
    if (many->failed)
      return;
    many->results[index] = std::move(r);
    if (--many->remaining == 0)
      many->rp.deliver(std::move(many->results));
  }
  void deliver(const caf::error& err) {
    if (!many) {
      rp.deliver(err);
      return;
    }
    if (!many->failed) {
      many->failed = true;
      many->rp.deliver(err);
    }
  }
};

struct waiting_get {
  std::string key;
  answer_slot slot;
};

// One get_many on the wire. The message is kept (its content is shared with the one sent,
// no copy) because a whole-batch refusal re-sends its keys one by one.
struct batch {
  caf::message msg;
  bool direct = false;
  bool via_resp = false; // sent on the RESP link, not as a CAF request
  std::vector<answer_slot> rps;

  const std::vector<std::string>& keys() const {
    return msg.get_as<std::vector<std::string>>(direct ? 2 : 1);
  }
};

using batch_ptr = std::shared_ptr<batch>;

struct batcher_state {
  caf::actor node; // untyped view of the node's front, so a prepared message can be sent
  caf::actor_addr node_addr;
  uint32_t max_batch = 64;
  caf::timespan timeout{};
  std::shared_ptr<get_batch_counters> counters;
  std::vector<waiting_get> queued[2]; // [direct]: plain gets, route_atom gets
  uint64_t epoch = 0;                 // newest membership epoch a direct get carried
  bool flush_queued = false;          // a batch_flush_atom is in our mailbox
  caf::timespan window{};             // > 0: gets wait this long after the first for company
  bool window_open = false;           // a window_flush_atom is on its way
  bool down = false;                  // the node's proxy went down: fail without sending
  uint64_t next_id = 1;
  std::unordered_map<uint64_t, batch_ptr> in_flight;
  // The node's RESP port, once connected: several connections, batches spread over them in
  // turn, so the node reads and answers them on several threads at once (one connection's
  // commands are answered in order, by one session at a time).
  std::vector<std::unique_ptr<resp_link>> resp;
  size_t next_link = 0;
  std::shared_ptr<std::atomic<bool>> resp_up; // mirrors `resp` for the lane (send_alone)
  bool resp_flush_queued = false;             // a resp_link_flush_atom is on its way
  static inline const char* name = "get_batcher";
};

using batcher_actor = caf::stateful_actor<batcher_state>;

/// Answers every requester of `b` with `err`.
void deliver_all(batch& b, const caf::error& err);

// -- the RESP link (get_batcher_resp.cpp) --------------------------------------------------

/// The RESP connection is gone: what it carried fails as `unavailable`; later batches go as
/// CAF requests.
void lose_resp(batcher_actor* self);
/// After a write to a link: a broken one is lost, a partial one is finished later.
void write_resp(batcher_actor* self, send_buffer::status status);
/// Sends batch `id` as one MGET; false (batch untouched) when the link just broke.
bool send_resp(batcher_actor* self, uint64_t id, batch& b);
/// Connects `links` connections to the node's RESP port (blocking, bounded by 1 s).
void connect_resp(batcher_actor* self, const std::string& address, uint32_t links);

} // namespace ac::get_batcher_internal
