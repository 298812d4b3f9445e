// A Redis bridge's connection worker: runs one batch at a time on its own blocking hiredis connection.
#include "actors/redis_bridge.hpp"

#include <spdlog/spdlog.h>

#include "core/backoff.hpp"

namespace ac {

namespace {

using clock = std::chrono::steady_clock;

struct redis_worker_state {
  std::unique_ptr<redis_connection> conn;
  std::unique_ptr<backoff> retry;
  clock::time_point next_attempt{};
  static inline const char* name = "redis_worker";
};

/// Connects if needed; while backing off it fails fast instead of waiting on a dead server.
bool ensure_connected(redis_worker_state& st, std::string* error) {
  if (st.conn->connected())
    return true;
  auto now = clock::now();
  if (now < st.next_attempt) {
    *error = "reconnecting to Redis (backing off)";
    return false;
  }
  if (st.conn->connect(error)) {
    st.retry->reset();
    spdlog::info("redis_bridge: connected");
    return true;
  }
  st.next_attempt = now + st.retry->next();
  spdlog::warn("redis_bridge: connect failed: {}", *error);
  return false;
}

std::shared_ptr<l2_batch_result> run_once(redis_worker_state& st, const l2_batch& b) {
  auto out = std::make_shared<l2_batch_result>();
  if (!ensure_connected(st, &out->error))
    return out;
  out->sent = true; // from here on a failure leaves Redis's state unknown
  if (!b.puts.empty() && !st.conn->set_ex(b.puts, &out->error))
    return out;
  if (!b.dels.empty()) {
    auto removed = st.conn->del(b.dels, &out->error);
    if (!removed)
      return out;
    out->removed = std::move(*removed);
  }
  if (!b.cond_puts.empty()) {
    auto applied = st.conn->set_if(b.cond_puts, &out->error);
    if (!applied)
      return out;
    out->applied = std::move(*applied);
  }
  if (!b.get_keys.empty()) {
    auto values = st.conn->mget_pttl(b.get_keys, &out->error);
    if (!values)
      return out;
    out->values = std::move(*values);
  }
  out->ok = true;
  return out;
}

std::shared_ptr<l2_batch_result> run_batch(redis_worker_state& st, const l2_batch& b) {
  bool was_connected = st.conn->connected();
  auto out = run_once(st, b);
  // A pooled connection that died while idle (Redis restarted) fails its first command and
  // closes itself: retry once on a fresh connection rather than report a value that is in
  // Redis as missing. SET EX and MGET are idempotent. A DEL or SET NX / XX whose first try was
  // applied after all would be answered "not there" / "not applied" by the second, which
  // judges it: a DEL's count one short, an NX's writer told no while its value stands until
  // its TTL. Neither grants anything twice, and the common case (the first try never reached
  // a live server) is answered right.
  if (!out->ok && was_connected && !st.conn->connected()) {
    bool sent_before = out->sent;
    out = run_once(st, b);
    out->sent = out->sent || sent_before;
  }
  return out;
}

redis_worker_actor::behavior_type redis_worker(
  redis_worker_actor::stateful_pointer<redis_worker_state> self, redis_options opts,
  uint64_t seed) {
  self->state.conn = std::make_unique<redis_connection>(std::move(opts));
  self->state.retry = std::make_unique<backoff>(backoff_options{}, seed);
  return {
    [=](l2_get_atom, const std::shared_ptr<l2_batch>& b) { return run_batch(self->state, *b); },
  };
}

} // namespace

redis_worker_actor spawn_redis_worker(caf::local_actor* bridge, redis_options opts, uint64_t seed) {
  return bridge->spawn<caf::detached + caf::linked>(redis_worker, std::move(opts), seed);
}

} // namespace ac
