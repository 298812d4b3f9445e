// Internal to the RESP command layer (see resp_command_parts.hpp): replies, checks, and values headed for a key's owner.
#include "actors/resp_command_parts.hpp"
#include "actors/resp_session_io.hpp"
#include "core/pinned_copies.hpp"
#include "core/ttl_clock.hpp"

#include <algorithm>
#include <cctype>
#include <chrono>

#include <caf/send.hpp>

#include <spdlog/spdlog.h>

namespace ac::resp_cmd {

// -- replies ----------------------------------------------------------------------------------

std::string error_reply(self_ptr self, std::string_view text) {
  self->state.env->counters->errors.fetch_add(1, std::memory_order_relaxed);
  if (self->state.env->errors)
    self->state.env->errors->add(0);
  std::string out;
  resp::error(out, text);
  return out;
}

void reply_now(self_ptr self, std::string reply) {
  deliver(self, open_slot(self), std::move(reply));
}

void reply_error(self_ptr self, std::string_view text) { reply_now(self, error_reply(self, text)); }

void reply_ok(self_ptr self) { reply_now(self, "+OK\r\n"); }

void reply_int(self_ptr self, int64_t n) {
  std::string out;
  resp::integer(out, n);
  reply_now(self, std::move(out));
}

std::string code_of(errc e) {
  if (e == errc::none || std::string_view{to_string(e)} == "unknown")
    return "ERR";
  std::string code;
  for (const char* c = to_string(e); *c != '\0'; ++c)
    if (*c != '_')
      code += static_cast<char>(std::toupper(static_cast<unsigned char>(*c)));
  return code;
}

/// Appends a found value's payload as a bulk string (a tensor gives its row-major bytes).
void append_value(std::string& out, const lookup_result& r) {
  if (!r.found) {
    resp::nil(out);
    return;
  }
  append_payload(out, r.value);
}

namespace {

// Kept per thread: a small entry's aligned copy (payload_of) needs no allocation per hit.
thread_local std::string payload_scratch;

/// The payload of a stored Entry, in place or (small and unaligned) in the thread's scratch.
bool payload_in(std::string_view entry, std::string_view& payload) {
  if (payload_of(entry, payload, payload_scratch))
    return true;
  // Shards validate every put and the coalescer every L2 read: this is a bug, not input.
  spdlog::error("resp: an entry from a shard does not decode");
  return false;
}

/// A large unaligned entry's copy is not kept for the thread.
void trim_scratch() {
  if (payload_scratch.capacity() > (64u << 10))
    std::string{}.swap(payload_scratch);
}

} // namespace

void append_payload(std::string& out, std::string_view entry) {
  std::string_view payload;
  if (payload_in(entry, payload))
    resp::bulk(out, payload);
  else
    resp::nil(out);
  trim_scratch();
}

void append_payload_direct(resp_session_state& st, std::string_view entry) {
  std::string_view payload;
  if (payload_in(entry, payload))
    append_bulk_direct(st, payload);
  else
    resp::nil(st.out);
  trim_scratch();
}

std::optional<entry_header> read_stored(std::string_view entry, std::string_view& payload) {
  auto header = decode_header(entry, payload, payload_scratch);
  if (!header)
    spdlog::error("resp: an entry from a shard does not decode"); // as payload_in says
  return header;
}

void append_dtype_and_shape(std::string& out, const entry_header& tensor) {
  resp::bulk(out, to_string(tensor.dtype));
  resp::array(out, tensor.shape.size());
  for (auto d : tensor.shape)
    resp::integer(out, static_cast<int64_t>(d));
}

bool append_tensor_head(std::string& out, std::string_view entry, std::string_view& payload) {
  auto header = read_stored(entry, payload);
  if (!header)
    return false;
  resp::array(out, 3);
  if (header->kind != value_kind::tensor) {
    resp::bulk(out, "bytes");
    resp::array(out, 1);
    resp::integer(out, static_cast<int64_t>(payload.size()));
    return true;
  }
  append_dtype_and_shape(out, *header);
  return true;
}

std::optional<uint32_t> lease_ms_of(const std::string& arg) {
  int64_t ms = 0;
  if (!resp::parse_int(arg, ms) || ms <= 0 || ms > (int64_t{1} << 31))
    return std::nullopt;
  return static_cast<uint32_t>(ms);
}

bool append_lease_value_head(std::string& out, std::string_view entry, std::string_view& payload) {
  auto header = read_stored(entry, payload);
  if (!header)
    return false;
  if (header->kind == value_kind::tensor) {
    resp::array(out, 4);
    resp::bulk(out, "tensor");
    append_dtype_and_shape(out, *header);
  } else {
    resp::array(out, 2);
    resp::bulk(out, "value");
  }
  return true;
}

void ask_refresh_ahead(const route_snapshot& snap, uint64_t h, std::string_view key,
                       int64_t ttl_left_ms, uint64_t since) {
  if (snap.shards.empty())
    return; // the mark ends with the entry's lifetime; the shard's own hits cannot start it then
  // Anonymous: an I/O loop may be the caller, and nobody waits for the answer.
  caf::anon_send(snap.shard_for(h), refresh_atom::value, std::string{key}, ttl_left_ms, since);
}

namespace {

/// An owned key of an MGET: its shard, its position in the command, its hash.
struct local_key {
  uint32_t shard;
  uint32_t pos;
  uint64_t hash;
};

/// A key whose hit starts its refresh-ahead (asked once the store is unlocked).
struct due_refresh {
  const local_key* key;
  int64_t ttl_left_ms;
  uint64_t since;
};

/// The answers among `keys[from, to)`, all of one shard, read under one lock; none when the
/// store is busy (they take the message path).
inline_answers hits_in_shard(shard_store* ss, const local_key* from, const local_key* to,
                             const std::vector<std::string>& argv, lookup_results& hits,
                             std::vector<due_refresh>& ahead) {
  inline_answers found;
  std::unique_lock<std::mutex> lock;
  if (ss)
    lock = std::unique_lock<std::mutex>{ss->mutex, std::try_to_lock};
  if (!lock || !ss->store)
    return found;
  auto& store = *ss->store;
  pinned_copies large;
  // Software-pipelined prefetch: a key's bucket 16 keys ahead, its entry (which needs the
  // bucket) 8 ahead, its policy-list neighbours (which need the entry) 4 ahead. All at once
  // would ask for more lines than a core keeps in flight.
  constexpr ptrdiff_t bucket_ahead = 16, entry_ahead = 8, links_ahead = 4;
  for (auto* k = from; k < to && k < from + bucket_ahead; ++k)
    store.prefetch_bucket(k->hash);
  for (auto* k = from; k < to && k < from + entry_ahead; ++k)
    store.prefetch_entry(k->hash);
  for (auto* k = from; k < to && k < from + links_ahead; ++k)
    store.prefetch_links(k->hash);
  for (auto* k = from; k < to; ++k) {
    if (to - k > bucket_ahead)
      store.prefetch_bucket(k[bucket_ahead].hash);
    if (to - k > entry_ahead)
      store.prefetch_entry(k[entry_ahead].hash);
    if (to - k > links_ahead)
      store.prefetch_links(k[links_ahead].hash);
    auto hit = ss->read_hit(argv[k->pos + 1], k->hash);
    if (hit) {
      if (hit.refresh)
        ahead.push_back({k, hit.ttl_left_ms, hit.since});
      hits[k->pos] = make_hit(std::string{}, tier::l1);
      large.assign(hits[k->pos].value, hit.value, std::move(hit.pin));
      ++found.hits;
    } else if (hit.miss) {
      hits[k->pos] = make_final_miss();
    }
    found.answered += hit.answered();
  }
  lock.unlock();
  large.copy_all();
  return found;
}

} // namespace

inline_answers inline_hits(resp_session_state& st, const route_snapshot& snap,
                           const std::vector<std::string>& argv, lookup_results& hits) {
  inline_answers found;
  if (!st.barriers.empty() || snap.stores.empty())
    return found;
  auto shards = static_cast<uint32_t>(snap.stores.size());
  size_t n = argv.size() - 1;
  std::vector<local_key> keys;
  keys.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    auto h = key_hash(argv[i + 1]);
    if (!snap.owner_front(h))
      keys.push_back({shard_of(h, shards), static_cast<uint32_t>(i), h});
  }
  std::stable_sort(keys.begin(), keys.end(),
                   [](const local_key& a, const local_key& b) { return a.shard < b.shard; });
  std::vector<due_refresh> ahead;
  for (size_t from = 0; from < keys.size();) {
    size_t to = from;
    while (to < keys.size() && keys[to].shard == keys[from].shard)
      ++to;
    auto part = hits_in_shard(snap.stores[keys[from].shard].get(), keys.data() + from,
                              keys.data() + to, argv, hits, ahead);
    found.answered += part.answered;
    found.hits += part.hits;
    from = to;
  }
  for (auto& due : ahead)
    ask_refresh_ahead(snap, due.key->hash, argv[due.key->pos + 1], due.ttl_left_ms, due.since);
  return found;
}

bool inline_put(resp_session_state& st, const route_snapshot& snap, uint64_t h,
                const std::string& key, std::string_view value, uint32_t ttl) {
  if (!st.slots.empty())
    return false;
  auto [ss, lock] = lock_owned_store(snap, h);
  if (!lock || !ss->misses_final || ss->is_lent(key))
    return false;
  // Encoded here, once the put is sure: where L2 stands behind L1 the session encodes for
  // the shard instead, and a loop that encoded first would have done it twice.
  ss->store->put(key, h, encode_bytes(*st.env, value, ttl), std::chrono::seconds{ttl});
  ss->note_fill(key, std::chrono::seconds{ttl});
  return true;
}

std::string mget_reply(const lookup_results& hits) {
  size_t bytes = 16;
  for (auto& r : hits)
    bytes += r.value.size() + 16;
  std::string out;
  out.reserve(bytes);
  resp::array(out, hits.size());
  for (auto& r : hits)
    append_value(out, r);
  return out;
}

// -- checks -----------------------------------------------------------------------------------

/// Redis-style refusal of a key the node cannot hold; "" when the key is fine.
std::string key_problem(const resp_env& env, const std::string& key) {
  switch (validate_key(key, env.max_key_bytes)) {
    case key_error::none:
      return {};
    case key_error::empty:
      return "EMPTYKEY the key is empty";
    case key_error::too_long:
      return "KEYTOOLONG key of " + std::to_string(key.size())
             + " bytes exceeds cache.max-key-bytes=" + std::to_string(env.max_key_bytes);
  }
  return "ERR invalid key";
}

std::function<void(caf::error&)> fail_slot(self_ptr self, uint64_t slot) {
  return
    [self, slot](caf::error& err) { deliver(self, slot, error_reply(self, resp_error_text(err))); };
}

/// Stores one value at its owner; `then` gets the owner's put_status.
void put_value(self_ptr self, const route_snapshot& snap, const std::string& key,
               std::string encoded, uint32_t ttl, put_if cond, std::function<void(put_status)> then,
               std::function<void(caf::error&)> on_err) {
  auto h = key_hash(key);
  auto c = static_cast<uint8_t>(cond);
  // Moved into the request, not copied (a value may be a 120 KB tensor): ask_owner calls just
  // one of AC_ASK's two senders.
  ask_owner(
    snap, h, [then](uint8_t status) { then(put_status_of(status)); }, std::move(on_err),
    AC_ASK(self, snap, put_atom::value, key, std::move(encoded), ttl, c));
}

std::string encode_bytes(const resp_env& env, std::string_view value, uint32_t ttl) {
  return encode_bytes_entry(value, ttl, unix_ms(), env.node_id);
}

std::string value_problem(const resp_env& env, const std::string& value) {
  if (value.size() <= env.max_value_bytes)
    return {};
  return "VALUETOOLARGE value of " + std::to_string(value.size())
         + " bytes exceeds cache.max-value-bytes=" + std::to_string(env.max_value_bytes);
}

std::string int_reply(int64_t n) {
  std::string out;
  resp::integer(out, n);
  return out;
}

// -- tensors ------------------------------------------------------------------------------------

/// Parses "10,50,60" into dimensions; false on anything but comma-separated integers >= 0.
bool parse_shape(const std::string& s, std::vector<uint64_t>& shape) {
  shape.clear();
  if (s.empty() || s == "()" || s == "scalar")
    return true;
  size_t start = 0;
  while (start <= s.size()) {
    auto comma = s.find(',', start);
    auto part = s.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    int64_t d = 0;
    if (!resp::parse_int(part, d) || d < 0)
      return false;
    shape.push_back(static_cast<uint64_t>(d));
    if (comma == std::string::npos)
      break;
    start = comma + 1;
  }
  return shape.size() <= 32;
}

/// Completes an entry a client sent (payload, TTL, time, producer) and checks it; "" when it
/// may be stored, else the error reply's text.
std::string finish_entry(const resp_env& env, entry& e, std::string& value, int64_t ttl_s) {
  if (auto p = value_problem(env, value); !p.empty())
    return p;
  e.data = std::move(value);
  e.ttl_seconds = static_cast<uint32_t>(ttl_s);
  e.created_at_ms = unix_ms();
  e.produced_by = env.node_id;
  std::string why;
  if (!validate_entry(e, &why))
    return "BADVALUE " + why;
  return {};
}

} // namespace ac::resp_cmd
