// Internal to the RESP command layer: reply helpers, routing a request to its key's owner, and the commands each resp_*_commands.cpp implements.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "actors/resp_commands.hpp"
#include "core/key_normalization.hpp"
#include "core/resp_reply.hpp"
#include "messages/entry_codec.hpp"
#include "messages/errors.hpp"
#include "messages/put_status.hpp"

namespace ac::resp_cmd {

using self_ptr = resp_session_actor*;
using resp::command_id;

// -- replies (resp_command_parts.cpp) ---------------------------------------------------------

/// An error reply (counted): `-CODE message`.
std::string error_reply(self_ptr self, std::string_view text);
void reply_now(self_ptr self, std::string reply);
void reply_error(self_ptr self, std::string_view text);
void reply_ok(self_ptr self);
void reply_int(self_ptr self, int64_t n);
std::string int_reply(int64_t n);
/// The RESP code word of a node error: its name in capitals without underscores ("KEYTOOLONG").
std::string code_of(errc e);
/// Appends a found value's payload as a bulk string (nil for a miss).
void append_value(std::string& out, const lookup_result& r);
/// Appends the payload of a stored Entry as a bulk string.
void append_payload(std::string& out, std::string_view entry);
/// append_payload into the connection's output, a large payload sent from where it lies
/// (append_bulk_direct: the caller holds the store's lock or the value's pin).
void append_payload_direct(resp_session_state& st, std::string_view entry);
/// AC.TENSOR.GET's reply for a stored entry, all but its data: `*3`, the dtype and the shape (a
/// bytes, text or JSON entry: "bytes" and its length, so a client asking for tensors gets any
/// value in one round trip); `payload` is then the data to append as a bulk string. Reads the
/// entry in place, copying nothing out. False (nothing appended) when it does not decode.
bool append_tensor_head(std::string& out, std::string_view entry, std::string_view& payload);
/// AC.GETORLEASE's reply for a stored entry, all but its data: `*4`, "tensor", the dtype and
/// the shape for a tensor, else `*2` and "value"; `payload` is then the data to append as a
/// bulk string. False (nothing appended) when the entry does not decode.
bool append_lease_value_head(std::string& out, std::string_view entry, std::string_view& payload);
/// A stored entry's header, and its payload in `payload`, read in place (a small unaligned
/// entry's payload from a per-thread copy, valid until the thread's next read); nullopt when it
/// does not decode (a bug: shards check every value they store).
std::optional<entry_header> read_stored(std::string_view entry, std::string_view& payload);
/// A tensor's dtype as a bulk string and its shape as an array of integers (AC.TENSOR.GET's
/// and AC.GETORLEASE's replies).
void append_dtype_and_shape(std::string& out, const entry_header& tensor);
/// AC.GETORLEASE's lease-ms: a positive integer up to 2^31; nullopt for anything else.
std::optional<uint32_t> lease_ms_of(const std::string& arg);
/// Redis-style refusal of a key the node cannot hold; "" when the key is fine.
std::string key_problem(const resp_env& env, const std::string& key);
/// Fills `slot` with the error reply of a failed request.
std::function<void(caf::error&)> fail_slot(self_ptr self, uint64_t slot);
std::string encode_bytes(const resp_env& env, std::string_view value, uint32_t ttl);
std::string value_problem(const resp_env& env, const std::string& value);
bool parse_shape(const std::string& s, std::vector<uint64_t>& shape);
std::string finish_entry(const resp_env& env, entry& e, std::string& value, int64_t ttl_s);

// -- routing ------------------------------------------------------------------------------------

/// A hit answered here found a hot key due for refresh-ahead (shard_store::refresh_due marked
/// it): the shard starts the refresh; fire-and-forget, nobody waits for it. `since`: the
/// store's write_seq at the hit (a write after it wins over the refreshed value).
void ask_refresh_ahead(const route_snapshot& snap, uint64_t h, std::string_view key,
                       int64_t ttl_left_ms, uint64_t since);

/// The store of the shard that holds key hash `h` when this node owns the key, try-locked
/// (shard_store.hpp); an unlocked lock (and maybe no store) when another node owns it, the
/// shard shares no store, it is restarting, or the lock is busy: the message path then.
inline std::pair<shard_store*, std::unique_lock<std::mutex>> lock_owned_store(
  const route_snapshot& snap, uint64_t h) {
  if (snap.stores.empty() || snap.owner_front(h))
    return {};
  auto* ss = snap.stores[shard_of(h, static_cast<uint32_t>(snap.stores.size()))].get();
  if (ss == nullptr)
    return {};
  std::unique_lock<std::mutex> lock{ss->mutex, std::try_to_lock};
  if (lock && !ss->store)
    lock.unlock();
  return {ss, std::move(lock)};
}

/// Reads a key this node owns on the session's thread, or on the I/O loop serving an idle
/// session (shard_store.hpp): a fresh L1 hit, or a final miss where nothing stands behind L1.
/// Calls `use(entry)` under the store's lock (nullopt for the final miss; a large value, pinned,
/// after unlocking) and returns true, or
/// returns false and the request takes the message path (owned elsewhere, a miss the shard must
/// load, stale or expired, the store busy). Only while no write's reply is owed on this
/// connection (resp_session_state::barriers): an earlier SET or DEL still on its way to the
/// shard must be seen by a later GET. The store counts the hit or miss; the caller counts the
/// command (resp_counters::inline_hits; a loop counts once per read). `hits_only`: fresh hits
/// alone (a miss of AC.GETORLEASE is the lease keeper's, L1 or not).
template <class Use>
bool inline_hit(resp_session_state& st, const route_snapshot& snap, uint64_t h,
                std::string_view key, Use use, bool hits_only = false) {
  if (!st.barriers.empty())
    return false;
  auto [ss, lock] = lock_owned_store(snap, h);
  if (!lock)
    return false;
  auto hit = ss->read_hit(key, h, hits_only);
  if (!hit.answered())
    return false; // the shard answers (and counts) it on the message path
  if (hit.pin) {
    // A large value is pinned: it is read (copied, or sent from where it lies) after
    // unlocking, so the other loops and the shard do not wait for a 120 KB send.
    lock.unlock();
    use(std::optional<std::string_view>{hit.value});
  } else {
    use(hit ? std::optional<std::string_view>{hit.value} : std::nullopt);
    lock.unlock();
  }
  if (hit.refresh)
    ask_refresh_ahead(snap, h, key, hit.ttl_left_ms, hit.since);
  return true;
}

/// A value for GET: the entry's payload as a bulk string, or nil for a final miss.
inline void append_read(std::string& out, std::optional<std::string_view> entry) {
  if (entry)
    append_payload(out, *entry);
  else
    resp::nil(out);
}

/// What inline_hits read: positions answered (hits and final misses), hits among them.
struct inline_answers {
  size_t answered = 0;
  size_t hits = 0;
};

/// inline_hit for the keys of an MGET (argv[1..]): fills `hits[i]` for each owned key L1
/// answers (a fresh hit, or make_final_miss()). One lock per shard, and every key's bucket and
/// entry are prefetched before any is read, so a batch's cache misses overlap (as the shard's
/// get_many). Counted as inline_hit.
inline_answers inline_hits(resp_session_state& st, const route_snapshot& snap,
                           const std::vector<std::string>& argv, lookup_results& hits);

/// Stores a plain SET of a key this node owns on the session's thread, or on the I/O loop
/// serving an idle session, where the shard's own put would touch L1 only: nothing stands
/// behind L1 (no Redis to write through) and no peer may hold a near copy of the key (its
/// write tells them: the shard does that). Only while nothing is owed on this connection: a
/// read or write still on its way to the shard must not be overtaken. False: the message path.
/// `value` is the client's bytes; encoded (encode_bytes) only when stored.
bool inline_put(resp_session_state& st, const route_snapshot& snap, uint64_t h,
                const std::string& key, std::string_view value, uint32_t ttl);

/// MGET's reply of `hits`, all found or nil.
std::string mget_reply(const lookup_results& hits);

/// Sends a request for one key to its owner: `local(shard)` when this node owns it, else
/// `routed(front)` to the owner node's front (forwarded at most once: the owner serves a
/// routed request whatever it believes). Both return the request's response handle.
template <class OnOk, class Routed, class Local>
void ask_owner(const route_snapshot& snap, uint64_t h, OnOk on_ok,
               std::function<void(caf::error&)> on_err, Routed routed, Local local) {
  if (auto peer = snap.owner_front(h))
    routed(peer).then(std::move(on_ok), std::move(on_err));
  else
    local(snap.shard_for(h)).then(std::move(on_ok), std::move(on_err));
}

/// ask_owner's two requests for a message `xs...`: as is to a shard, routed to a peer front.
/// A shard is this node's and answers (its loads are bounded): no CAF timeout, the slot's own
/// deadline bounds the reply (resp_session_state::slot_deadlines).
#define AC_ASK(self, snap, ...)                                                                  \
  [&](const front_actor& peer) {                                                                 \
    return self->request(peer, self->state.env->request_timeout, route_atom::value, __VA_ARGS__, \
                         snap.epoch);                                                            \
  },                                                                                             \
    [&](const shard_actor& shard) { return self->request(shard, caf::infinite, __VA_ARGS__); }

/// Stores one value at its owner; `then` gets the owner's put_status (not_stored only when a
/// NX / XX condition failed).
void put_value(self_ptr self, const route_snapshot& snap, const std::string& key,
               std::string encoded, uint32_t ttl, put_if cond, std::function<void(put_status)> then,
               std::function<void(caf::error&)> on_err);

// -- keys and values (resp_data_commands.cpp) -------------------------------------------------

/// Answers of one request per key (or per shard) gathered into one reply: the sum (DEL, EXISTS,
/// DBSIZE) or a count down (MSET, FLUSHDB). The first error is the reply; later answers are
/// ignored.
struct per_key_gather {
  int64_t total = 0;
  size_t pending = 0;
  bool done = false;

  /// Adds one answer; true when it was the last one still owed (the caller then replies).
  bool add(int64_t n = 0) {
    total += n;
    if (done || --pending != 0)
      return false;
    done = true;
    return true;
  }
};

/// A gather of `parts` answers for the reply in `slot`, and its error handler.
std::pair<std::shared_ptr<per_key_gather>, std::function<void(caf::error&)>> open_gather(
  self_ptr self, uint64_t slot, size_t parts);

void cmd_get(self_ptr self, const route_snapshot& snap, const std::string& key);
void cmd_mget(self_ptr self, const route_snapshot& snap, std::vector<std::string>& argv);
/// The rest of an MGET whose L1 hits of owned keys are in `hits` (`missing` of them are not).
void mget_rest(self_ptr self, const route_snapshot& snap, std::vector<std::string>& argv,
               lookup_results hits);
void cmd_set(self_ptr self, const route_snapshot& snap, std::vector<std::string>& argv);
void cmd_setex(self_ptr self, const route_snapshot& snap, std::vector<std::string>& argv);
void cmd_mset(self_ptr self, const route_snapshot& snap, std::vector<std::string>& argv);
void cmd_del(self_ptr self, const route_snapshot& snap, std::vector<std::string>& argv);
/// One keyspace request per key; `reply` turns the summed answers into the reply.
void keyspace_each(self_ptr self, const route_snapshot& snap, key_op op, int64_t arg,
                   const std::vector<std::string>& keys,
                   std::function<std::string(int64_t total)> reply);
void cmd_expire(self_ptr self, const route_snapshot& snap, std::vector<std::string>& argv, bool ms);
void cmd_ttl(self_ptr self, const route_snapshot& snap, const std::string& key, bool ms);

// -- the whole keyspace of this node (resp_keyspace_commands.cpp) ------------------------------

void cmd_dbsize(self_ptr self, const route_snapshot& snap);
/// SCAN cursor [MATCH pattern] [COUNT n]: this node's L1 keys (not the cluster's), one shard a page.
void cmd_scan(self_ptr self, const route_snapshot& snap, std::vector<std::string>& argv);
/// FLUSHDB [ASYNC|SYNC]: drops this node's L1 (Redis, the L2, keeps its copies).
void cmd_flushdb(self_ptr self, const route_snapshot& snap, std::vector<std::string>& argv);

// -- the cluster, tensors and leases (resp_cluster_commands.cpp) ------------------------------

void cmd_owner(self_ptr self, const route_snapshot& snap, const std::string& key);
void cmd_members(self_ptr self);
void cmd_tensor_set(self_ptr self, const route_snapshot& snap, std::vector<std::string>& argv);
void cmd_tensor_get(self_ptr self, const route_snapshot& snap, const std::string& key);
void cmd_getorlease(self_ptr self, const route_snapshot& snap, std::vector<std::string>& argv);
void cmd_fill(self_ptr self, const route_snapshot& snap, std::vector<std::string>& argv);
void cmd_abandon(self_ptr self, const route_snapshot& snap, std::vector<std::string>& argv);

// -- connection and server (resp_server_commands.cpp) -----------------------------------------

void cmd_auth(self_ptr self, std::vector<std::string>& argv);
void cmd_hello(self_ptr self, std::vector<std::string>& argv);
void cmd_client(self_ptr self, std::vector<std::string>& argv);
void cmd_command(self_ptr self, std::vector<std::string>& argv);
void cmd_info(self_ptr self, const route_snapshot& snap, std::vector<std::string>& argv);

} // namespace ac::resp_cmd
