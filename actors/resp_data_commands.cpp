// RESP commands on keys and values: GET, MGET, SET, SETEX, MSET, DEL, EXISTS, TTL, EXPIRE.
#include "actors/resp_command_parts.hpp"
#include "actors/resp_commands.hpp"
#include "actors/routed_reads.hpp"

#include <algorithm>
#include <chrono>
#include <limits>
#include <memory>

#include "core/set_options.hpp"

namespace ac::resp_cmd {

namespace {

/// Adds a GET of `key` (reply in `slot`) to what this read forwards to `peer` at `epoch`. A
/// message carries at most resp.max-keys of them, the bound an MGET's get_many has too.
void hold_forwarded_get(resp_session_state& st, const front_actor& peer, uint64_t epoch,
                        const std::string& key, uint64_t slot) {
  auto it = std::find_if(st.forwards.begin(), st.forwards.end(), [&](const auto& b) {
    return b.peer == peer && b.epoch == epoch && b.keys.size() < st.env->max_keys;
  });
  if (it == st.forwards.end())
    it = st.forwards.insert(st.forwards.end(), {peer, epoch, {}, {}});
  it->keys.push_back(key);
  it->slots.push_back(slot);
}

} // namespace

// -- commands -----------------------------------------------------------------------------------

void cmd_get(self_ptr self, const route_snapshot& snap, const std::string& key) {
  auto h = key_hash(key);
  std::string reply;
  bool hit = false;
  if (inline_hit(self->state, snap, h, key, [&](std::optional<std::string_view> entry) {
        hit = entry.has_value();
        append_read(reply, entry);
      })) {
    if (hit)
      self->state.env->counters->inline_hits.fetch_add(1, std::memory_order_relaxed);
    return reply_now(self, std::move(reply));
  }
  auto peer = snap.owner_front(h);
  if (!snap.stores.empty() && peer)
    note_forwarded_read(snap.stores[shard_of(h, static_cast<uint32_t>(snap.stores.size()))].get(),
                        key);
  auto slot = open_slot(self);
  if (peer && self->state.reading) { // held until this read's commands ran (on_ready)
    hold_forwarded_get(self->state, peer, snap.epoch, key, slot);
    return;
  }
  ask_owner(
    snap, h,
    [self, slot](lookup_result& r) {
      std::string out;
      append_value(out, r);
      deliver(self, slot, std::move(out));
    },
    fail_slot(self, slot), AC_ASK(self, snap, get_atom::value, key));
}

void cmd_mget(self_ptr self, const route_snapshot& snap, std::vector<std::string>& argv) {
  size_t n = argv.size() - 1;
  // Fresh L1 hits of keys this node owns first, on this thread; all of them hits (the common
  // case of a client's batch): answered without a message.
  lookup_results hits(n);
  auto found = inline_hits(self->state, snap, argv, hits);
  self->state.env->counters->inline_hits.fetch_add(found.hits, std::memory_order_relaxed);
  if (found.answered == n)
    return reply_now(self, mget_reply(hits));
  mget_rest(self, snap, argv, std::move(hits));
}

void mget_rest(self_ptr self, const route_snapshot& snap, std::vector<std::string>& argv,
               lookup_results hits) {
  size_t n = argv.size() - 1;
  std::vector<size_t> missing; // positions L1 did not answer
  std::vector<std::string> keys;
  for (size_t i = 0; i < n; ++i)
    if (!answered(hits[i])) {
      missing.push_back(i);
      keys.push_back(std::move(argv[i + 1]));
    }
  if (missing.empty())
    return reply_now(self, mget_reply(hits)); // every key was a hit after all
  auto slot = open_slot(self);
  caf::duration timeout{self->state.env->request_timeout};
  auto shards = static_cast<uint32_t>(snap.stores.size());
  // Each owner asked is watched: should one go down first, that answers the slot.
  auto owed = std::make_shared<std::vector<owed_slots>>();
  routed_get_many(
    self, snap, std::move(keys), std::move(missing), std::move(hits),
    routed_timeouts{caf::infinite, timeout}, // a shard part: the slot's deadline bounds it
    [&](const std::string& key, uint64_t h) {
      if (shards != 0)
        note_forwarded_read(snap.stores[shard_of(h, shards)].get(), key);
      auto owner = snap.owner_front(h);
      if (std::none_of(owed->begin(), owed->end(),
                       [&](const owed_slots& o) { return o.owner == owner.address(); }))
        owed->push_back(watch_owner(self, owner, {slot}));
    },
    [self, slot, owed](caf::expected<lookup_results> all) {
      bool answered = false; // by an owner's going down
      for (auto& o : *owed)
        answered |= !o(); // every watch ends here
      if (answered)
        return;
      if (!all)
        deliver(self, slot, error_reply(self, resp_error_text(all.error())));
      else
        deliver(self, slot, mget_reply(*all));
    });
}

void cmd_set(self_ptr self, const route_snapshot& snap, std::vector<std::string>& argv) {
  auto& env = *self->state.env;
  auto o = resp::parse_set_options(argv, unix_ms());
  if (!o.error.empty())
    return reply_error(self, o.error);
  if (auto p = value_problem(env, argv[2]); !p.empty())
    return reply_error(self, p);
  using condition = resp::set_options::condition;
  auto cond = o.cond == condition::absent    ? put_if::absent
              : o.cond == condition::present ? put_if::present
                                             : put_if::always;
  auto ttl_ms = o.ttl_ms;
  if (o.past) {
    // Redis stores the value and drops it at once: the key is gone.
    if (cond != put_if::always)
      return reply_error(self, "ERR EXAT or PXAT in the past with NX or XX is not supported");
    auto slot = open_slot(self);
    return ask_owner(
      snap, key_hash(argv[1]), [self, slot](bool) { deliver(self, slot, "+OK\r\n"); },
      fail_slot(self, slot), AC_ASK(self, snap, delete_atom::value, argv[1]));
  }
  // L1 keeps whole seconds: a PX below one second lives one second.
  auto ttl = static_cast<uint32_t>((ttl_ms + 999) / 1000);
  if (cond == put_if::always
      && inline_put(self->state, snap, key_hash(argv[1]), argv[1], argv[2], ttl))
    return reply_ok(self);
  auto slot = open_slot(self);
  put_value(
    self, snap, argv[1], encode_bytes(env, argv[2], ttl), ttl, cond,
    // stored_l1_only is +OK too: redis-py's set() reads any other reply as "not set", which
    // it was (in L1). INFO's actorcache_l1_only_puts tells an operator it was not durable.
    [self, slot](put_status s) { deliver(self, slot, acknowledged(s) ? "+OK\r\n" : "$-1\r\n"); },
    fail_slot(self, slot));
}

void cmd_setex(self_ptr self, const route_snapshot& snap, std::vector<std::string>& argv) {
  int64_t secs = 0;
  if (!resp::parse_int(argv[2], secs))
    return reply_error(self, "ERR value is not an integer or out of range");
  if (secs <= 0 || secs > (int64_t{1} << 30))
    return reply_error(self, "ERR invalid expire time in 'setex' command");
  std::vector<std::string> as_set{argv[0], argv[1], std::move(argv[3]), "EX", argv[2]};
  cmd_set(self, snap, as_set);
}

std::pair<std::shared_ptr<per_key_gather>, std::function<void(caf::error&)>> open_gather(
  self_ptr self, uint64_t slot, size_t parts) {
  auto g = std::make_shared<per_key_gather>();
  g->pending = parts;
  auto on_err = [self, slot, g](caf::error& err) {
    if (!g->done) {
      g->done = true;
      deliver(self, slot, error_reply(self, resp_error_text(err)));
    }
  };
  return {std::move(g), std::move(on_err)};
}

void cmd_mset(self_ptr self, const route_snapshot& snap, std::vector<std::string>& argv) {
  auto& env = *self->state.env;
  if (argv.size() % 2 != 1)
    return reply_error(self, resp::wrong_arity_error("mset"));
  for (size_t i = 2; i < argv.size(); i += 2)
    if (auto p = value_problem(env, argv[i]); !p.empty())
      return reply_error(self, p);
  auto slot = open_slot(self);
  auto [g, on_err] = open_gather(self, slot, (argv.size() - 1) / 2);
  auto default_ttl = 0u;
  for (size_t i = 1; i + 1 < argv.size(); i += 2)
    put_value(
      self, snap, argv[i], encode_bytes(env, argv[i + 1], default_ttl), default_ttl, put_if::always,
      [self, slot, g = g](put_status) {
        if (g->add())
          deliver(self, slot, "+OK\r\n");
      },
      on_err);
}

void cmd_del(self_ptr self, const route_snapshot& snap, std::vector<std::string>& argv) {
  auto slot = open_slot(self);
  auto [g, on_err] = open_gather(self, slot, argv.size() - 1);
  for (size_t i = 1; i < argv.size(); ++i) {
    auto h = key_hash(argv[i]);
    ask_owner(
      snap, h,
      [self, slot, g = g](bool erased) {
        if (g->add(erased ? 1 : 0))
          deliver(self, slot, int_reply(g->total));
      },
      on_err, AC_ASK(self, snap, delete_atom::value, argv[i]));
  }
}

/// One keyspace request per key; `reply` turns the answers into the reply.
void keyspace_each(self_ptr self, const route_snapshot& snap, key_op op, int64_t arg,
                   const std::vector<std::string>& keys,
                   std::function<std::string(int64_t total)> reply) {
  auto slot = open_slot(self);
  auto [g, on_err] = open_gather(self, slot, keys.size());
  auto o = static_cast<uint8_t>(op);
  for (auto& key : keys) {
    ask_owner(
      snap, key_hash(key),
      [self, slot, g = g, reply](int64_t n) {
        if (g->add(n))
          deliver(self, slot, reply(g->total));
      },
      on_err, AC_ASK(self, snap, keyspace_atom::value, o, key, arg));
  }
}

void cmd_expire(self_ptr self, const route_snapshot& snap, std::vector<std::string>& argv,
                bool ms) {
  // Redis 7's conditions, combined as Redis combines them (repeats allowed, XX with GT or LT).
  bool nx = false, xx = false, gt = false, lt = false;
  for (size_t i = 3; i < argv.size(); ++i) {
    auto opt = resp::to_lower(argv[i]);
    if (opt == "nx")
      nx = true;
    else if (opt == "xx")
      xx = true;
    else if (opt == "gt")
      gt = true;
    else if (opt == "lt")
      lt = true;
    else
      return reply_error(self, "ERR Unsupported option " + argv[i]);
  }
  if (nx && (xx || gt || lt))
    return reply_error(self, "ERR NX and XX, GT or LT options at the same time are not compatible");
  if (gt && lt)
    return reply_error(self, "ERR GT and LT options at the same time are not compatible");
  auto op = nx   ? key_op::expire_nx
            : gt ? key_op::expire_gt // with XX as well: GT never sets a key without a TTL
            : lt ? (xx ? key_op::expire_xx_lt : key_op::expire_lt)
            : xx ? key_op::expire_xx
                 : key_op::expire;
  int64_t n = 0;
  if (!resp::parse_int(argv[2], n))
    return reply_error(self, "ERR value is not an integer or out of range");
  // Redis's bounds: the deadline in ms must fit 64 bits. Past 2^50 ms (35,000 years) every
  // TTL is the same to a store that keeps 34 years (cache_store::expire), so it is capped.
  constexpr int64_t max = std::numeric_limits<int64_t>::max();
  if ((!ms && (n > max / 1000 || n < -max / 1000)) || (ms ? n : n * 1000) > max - unix_ms())
    return reply_error(self,
                       "ERR invalid expire time in '" + resp::to_lower(argv[0]) + "' command");
  constexpr int64_t cap = int64_t{1} << 50;
  auto ttl_ms = std::clamp<int64_t>(ms ? n : n * 1000, -cap, cap);
  keyspace_each(self, snap, op, ttl_ms, {argv[1]}, int_reply);
}

void cmd_ttl(self_ptr self, const route_snapshot& snap, const std::string& key, bool ms) {
  keyspace_each(self, snap, key_op::pttl, 0, {key}, [ms](int64_t left) {
    if (left < 0 || ms)
      return int_reply(left);
    return int_reply(left / 1000);
  });
}

} // namespace ac::resp_cmd

namespace ac {

void send_forwarded_gets(resp_session_actor* self) {
  using namespace resp_cmd;
  auto batches = std::move(self->state.forwards);
  self->state.forwards.clear();
  auto timeout = self->state.env->request_timeout;
  for (auto& b : batches) {
    // The owner answers the slots, or its going down does (owner_went_down): whichever is first.
    auto settle = watch_owner(self, b.peer, std::move(b.slots));
    auto fail_all = [self](const std::vector<uint64_t>& slots, const caf::error& err) {
      for (auto slot : slots)
        deliver(self, slot, error_reply(self, resp_error_text(err)));
    };
    self
      ->request(b.peer, timeout, route_atom::value, get_many_atom::value, std::move(b.keys),
                b.epoch)
      .then(
        [self, settle, fail_all](lookup_results& values) {
          auto slots = settle();
          if (!slots)
            return;
          if (values.size() != slots->size())
            return fail_all(*slots,
                            make_error(errc::bad_request, "get_many answer of wrong length"));
          for (size_t i = 0; i < slots->size(); ++i) {
            std::string out;
            append_value(out, values[i]);
            deliver(self, (*slots)[i], std::move(out));
          }
        },
        [settle, fail_all](caf::error& err) {
          if (auto slots = settle())
            fail_all(*slots, err);
        });
  }
}

} // namespace ac
