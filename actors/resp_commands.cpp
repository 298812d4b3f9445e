// The commands of the RESP edge (see resp_commands.hpp): Redis's meaning and reply shapes over the node's shards and peers.
#include "actors/resp_commands.hpp"

#include <chrono>
#include <map>
#include <unistd.h>

#include <openssl/crypto.h>
#include <spdlog/spdlog.h>

#include "actors/stats_helpers.hpp"
#include "core/key_normalization.hpp"
#include "core/resp_reply.hpp"
#include "messages/entry_codec.hpp"
#include "messages/errors.hpp"

namespace ac {

namespace {

using self_ptr = resp_session_actor*;
using resp::command_id;

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
           std::chrono::system_clock::now().time_since_epoch())
    .count();
}

// -- replies ----------------------------------------------------------------------------------

std::string error_reply(self_ptr self, std::string_view text) {
  self->state.env->counters->errors.fetch_add(1, std::memory_order_relaxed);
  std::string out;
  resp::error(out, text);
  return out;
}

void reply_now(self_ptr self, std::string reply) { deliver(self, open_slot(self), std::move(reply)); }

void reply_error(self_ptr self, std::string_view text) { reply_now(self, error_reply(self, text)); }

void reply_ok(self_ptr self) { reply_now(self, "+OK\r\n"); }

void reply_int(self_ptr self, int64_t n) {
  std::string out;
  resp::integer(out, n);
  reply_now(self, std::move(out));
}

const char* code_of(errc e) {
  switch (e) {
    case errc::empty_key: return "EMPTYKEY";
    case errc::key_too_long: return "KEYTOOLONG";
    case errc::value_too_large: return "VALUETOOLARGE";
    case errc::bad_value: return "BADVALUE";
    case errc::overloaded: return "OVERLOADED";
    case errc::compute_failed: return "COMPUTEFAILED";
    case errc::unavailable: return "UNAVAILABLE";
    case errc::l2_error: return "L2ERROR";
    case errc::bad_request: return "BADREQUEST";
    case errc::stale_lease: return "STALELEASE";
    case errc::refused: return "REFUSED";
    default: return "ERR";
  }
}

/// Appends a found value's payload as a bulk string (a tensor gives its row-major bytes).
void append_value(std::string& out, const lookup_result& r) {
  if (!r.found) {
    resp::nil(out);
    return;
  }
  std::string_view payload;
  std::string scratch;
  if (!payload_of(r.value, payload, scratch)) {
    // Shards validate every put and the coalescer every L2 read: this is a bug, not input.
    spdlog::error("resp: an entry from a shard does not decode");
    resp::nil(out);
    return;
  }
  resp::bulk(out, payload);
}

// -- checks -----------------------------------------------------------------------------------

/// Redis-style refusal of a key the node cannot hold; "" when the key is fine.
std::string key_problem(const resp_env& env, const std::string& key) {
  switch (validate_key(key, env.max_key_bytes)) {
    case key_error::none: return {};
    case key_error::empty: return "EMPTYKEY the key is empty";
    case key_error::too_long:
      return "KEYTOOLONG key of " + std::to_string(key.size()) + " bytes exceeds cache.max-key-bytes="
             + std::to_string(env.max_key_bytes);
  }
  return "ERR invalid key";
}

// -- routing ------------------------------------------------------------------------------------

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
#define AC_ASK(self, snap, ...)                                                             \
  [&](const front_actor& peer) {                                                          \
    return self->request(peer, self->state.env->request_timeout, route_atom::value,        \
                         __VA_ARGS__, snap.epoch);                                         \
  },                                                                                        \
  [&](const shard_actor& shard) {                                                         \
    return self->request(shard, self->state.env->request_timeout, __VA_ARGS__);            \
  }

std::function<void(caf::error&)> fail_slot(self_ptr self, uint64_t slot) {
  return [self, slot](caf::error& err) { deliver(self, slot, error_reply(self, resp_error_text(err))); };
}

// -- commands -----------------------------------------------------------------------------------

void cmd_get(self_ptr self, const route_snapshot& snap, const std::string& key) {
  auto slot = open_slot(self);
  auto h = key_hash(key);
  ask_owner(
    snap, h,
    [self, slot](lookup_result& r) {
      std::string out;
      append_value(out, r);
      deliver(self, slot, std::move(out));
    },
    fail_slot(self, slot), AC_ASK(self, snap, get_atom::value, key));
}

/// Keys of one command bound for the same place, with their positions.
struct key_group {
  std::vector<size_t> idx;
  std::vector<std::string> keys;
};

void cmd_mget(self_ptr self, const route_snapshot& snap, std::vector<std::string>& argv) {
  auto slot = open_slot(self);
  size_t n = argv.size() - 1;
  std::map<uint32_t, key_group> local;                                 // by shard
  std::map<caf::actor_addr, std::pair<front_actor, key_group>> remote; // by owner
  auto shards = static_cast<uint32_t>(snap.shards.size());
  for (size_t i = 0; i < n; ++i) {
    auto& key = argv[i + 1];
    auto h = key_hash(key);
    key_group* g;
    if (auto peer = snap.owner_front(h)) {
      auto& r = remote[peer.address()];
      r.first = peer;
      g = &r.second;
    } else {
      g = &local[shard_of(h, shards)];
    }
    g->idx.push_back(i);
    g->keys.push_back(std::move(key));
  }
  struct gather {
    lookup_results results;
    size_t pending;
    bool done = false;
  };
  auto all = std::make_shared<gather>(gather{lookup_results(n), local.size() + remote.size()});
  auto finish = [self, slot, all] {
    std::string out;
    resp::array(out, all->results.size());
    for (auto& r : all->results)
      append_value(out, r);
    deliver(self, slot, std::move(out));
  };
  auto part_done = [all, finish](const std::vector<size_t>& idx, lookup_results& part) {
    if (all->done)
      return;
    for (size_t j = 0; j < idx.size() && j < part.size(); ++j)
      all->results[idx[j]] = std::move(part[j]);
    if (--all->pending == 0) {
      all->done = true;
      finish();
    }
  };
  auto on_err = [self, slot, all](caf::error& err) {
    if (!all->done) {
      all->done = true;
      deliver(self, slot, error_reply(self, resp_error_text(err)));
    }
  };
  auto timeout = self->state.env->request_timeout;
  for (auto& [s, g] : local)
    self->request(snap.shards[s], timeout, get_many_atom::value, std::move(g.keys))
      .then([part_done, idx = std::move(g.idx)](lookup_results& part) { part_done(idx, part); }, on_err);
  for (auto& kv : remote) {
    auto& [peer, g] = kv.second;
    self->request(peer, timeout, route_atom::value, get_many_atom::value, std::move(g.keys), snap.epoch)
      .then([part_done, idx = std::move(g.idx)](lookup_results& part) { part_done(idx, part); }, on_err);
  }
}

/// Stores one value at its owner; `then` gets whether the condition let it be stored.
void put_value(self_ptr self, const route_snapshot& snap, const std::string& key, std::string encoded,
               uint32_t ttl, put_if cond, std::function<void(bool)> then,
               std::function<void(caf::error&)> on_err) {
  auto h = key_hash(key);
  auto c = static_cast<uint8_t>(cond);
  ask_owner(snap, h, [then](bool stored) { then(stored); }, std::move(on_err),
            AC_ASK(self, snap, put_atom::value, key, encoded, ttl, c));
}

std::string encode_bytes(const resp_env& env, std::string value, uint32_t ttl) {
  return encode_entry(make_bytes_entry(std::move(value), ttl, now_ms(), env.node_id));
}

std::string value_problem(const resp_env& env, const std::string& value) {
  if (value.size() <= env.max_value_bytes)
    return {};
  return "VALUETOOLARGE value of " + std::to_string(value.size())
         + " bytes exceeds cache.max-value-bytes=" + std::to_string(env.max_value_bytes);
}

void cmd_set(self_ptr self, const route_snapshot& snap, std::vector<std::string>& argv) {
  auto& env = *self->state.env;
  int64_t ttl_ms = 0;
  put_if cond = put_if::always;
  for (size_t i = 3; i < argv.size(); ++i) {
    auto opt = resp::to_lower(argv[i]);
    if ((opt == "ex" || opt == "px") && i + 1 < argv.size() && ttl_ms == 0) {
      int64_t n = 0;
      if (!resp::parse_int(argv[i + 1], n))
        return reply_error(self, "ERR value is not an integer or out of range");
      if (n <= 0 || n > (opt == "ex" ? int64_t{1} << 30 : int64_t{1} << 40))
        return reply_error(self, "ERR invalid expire time in 'set' command");
      ttl_ms = opt == "ex" ? n * 1000 : n;
      ++i;
    } else if (opt == "nx" && cond == put_if::always) {
      cond = put_if::absent;
    } else if (opt == "xx" && cond == put_if::always) {
      cond = put_if::present;
    } else {
      return reply_error(self, "ERR syntax error");
    }
  }
  if (auto p = value_problem(env, argv[2]); !p.empty())
    return reply_error(self, p);
  // L1 keeps whole seconds: a PX below one second lives one second.
  auto ttl = static_cast<uint32_t>((ttl_ms + 999) / 1000);
  auto slot = open_slot(self);
  put_value(
    self, snap, argv[1], encode_bytes(env, std::move(argv[2]), ttl), ttl, cond,
    [self, slot](bool stored) { deliver(self, slot, stored ? "+OK\r\n" : "$-1\r\n"); },
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

/// Answers of one request per key, gathered: the sum (DEL, EXISTS) or a count down (MSET).
struct per_key_gather {
  int64_t total = 0;
  size_t pending = 0;
  bool done = false;
};

void cmd_mset(self_ptr self, const route_snapshot& snap, std::vector<std::string>& argv) {
  auto& env = *self->state.env;
  if (argv.size() % 2 != 1)
    return reply_error(self, resp::wrong_arity_error("mset"));
  for (size_t i = 2; i < argv.size(); i += 2)
    if (auto p = value_problem(env, argv[i]); !p.empty())
      return reply_error(self, p);
  auto slot = open_slot(self);
  auto g = std::make_shared<per_key_gather>();
  g->pending = (argv.size() - 1) / 2;
  auto on_err = [self, slot, g](caf::error& err) {
    if (!g->done) {
      g->done = true;
      deliver(self, slot, error_reply(self, resp_error_text(err)));
    }
  };
  auto default_ttl = 0u;
  for (size_t i = 1; i + 1 < argv.size(); i += 2)
    put_value(
      self, snap, argv[i], encode_bytes(env, std::move(argv[i + 1]), default_ttl), default_ttl,
      put_if::always,
      [self, slot, g](bool) {
        if (!g->done && --g->pending == 0) {
          g->done = true;
          deliver(self, slot, "+OK\r\n");
        }
      },
      on_err);
}

void cmd_del(self_ptr self, const route_snapshot& snap, std::vector<std::string>& argv) {
  auto slot = open_slot(self);
  auto g = std::make_shared<per_key_gather>();
  g->pending = argv.size() - 1;
  for (size_t i = 1; i < argv.size(); ++i) {
    auto h = key_hash(argv[i]);
    ask_owner(
      snap, h,
      [self, slot, g](bool erased) {
        g->total += erased ? 1 : 0;
        if (!g->done && --g->pending == 0) {
          g->done = true;
          std::string out;
          resp::integer(out, g->total);
          deliver(self, slot, std::move(out));
        }
      },
      [self, slot, g](caf::error& err) {
        if (!g->done) {
          g->done = true;
          deliver(self, slot, error_reply(self, resp_error_text(err)));
        }
      },
      AC_ASK(self, snap, delete_atom::value, argv[i]));
  }
}

/// One keyspace request per key; `reply` turns the answers into the reply.
void keyspace_each(self_ptr self, const route_snapshot& snap, key_op op, int64_t arg,
                   const std::vector<std::string>& keys,
                   std::function<std::string(int64_t total)> reply) {
  auto slot = open_slot(self);
  auto g = std::make_shared<per_key_gather>();
  g->pending = keys.size();
  auto o = static_cast<uint8_t>(op);
  for (auto& key : keys) {
    ask_owner(
      snap, key_hash(key),
      [self, slot, g, reply](int64_t n) {
        g->total += n;
        if (!g->done && --g->pending == 0) {
          g->done = true;
          deliver(self, slot, reply(g->total));
        }
      },
      [self, slot, g](caf::error& err) {
        if (!g->done) {
          g->done = true;
          deliver(self, slot, error_reply(self, resp_error_text(err)));
        }
      },
      AC_ASK(self, snap, keyspace_atom::value, o, key, arg));
  }
}

std::string int_reply(int64_t n) {
  std::string out;
  resp::integer(out, n);
  return out;
}

void cmd_expire(self_ptr self, const route_snapshot& snap, std::vector<std::string>& argv, bool ms) {
  if (argv.size() > 3)
    return reply_error(self, "ERR Unsupported option " + argv[3]);
  int64_t n = 0;
  if (!resp::parse_int(argv[2], n) || n > (int64_t{1} << 40) || n < -(int64_t{1} << 40))
    return reply_error(self, "ERR value is not an integer or out of range");
  keyspace_each(self, snap, key_op::expire, ms ? n : n * 1000, {argv[1]}, int_reply);
}

void cmd_ttl(self_ptr self, const route_snapshot& snap, const std::string& key, bool ms) {
  keyspace_each(self, snap, key_op::pttl, 0, {key}, [ms](int64_t left) {
    if (left < 0 || ms)
      return int_reply(left);
    return int_reply(left / 1000);
  });
}

void cmd_dbsize(self_ptr self, const route_snapshot& snap) {
  auto slot = open_slot(self);
  auto g = std::make_shared<per_key_gather>();
  g->pending = snap.shards.size();
  for (auto& s : snap.shards)
    self->request(s, std::chrono::seconds(5), stats_atom::value)
      .then(
        [self, slot, g](std::vector<actor_stats>& rows) {
          if (!rows.empty())
            g->total += counter_of(rows[0], "entries");
          if (!g->done && --g->pending == 0) {
            g->done = true;
            deliver(self, slot, int_reply(g->total));
          }
        },
        [self, slot, g](caf::error& err) {
          if (!g->done) {
            g->done = true;
            deliver(self, slot, error_reply(self, resp_error_text(err)));
          }
        });
}

void cmd_owner(self_ptr self, const route_snapshot& snap, const std::string& key) {
  auto addr = snap.ids.size() < 2 ? self->state.env->node_host + ":"
                                      + std::to_string(self->state.env->resp_port)
                                  : snap.owner_resp_address(key_hash(key));
  if (addr.empty())
    return reply_error(self, "UNAVAILABLE the owner of this key has no RESP port");
  std::string out;
  resp::bulk(out, addr);
  reply_now(self, std::move(out));
}

void cmd_members(self_ptr self) {
  auto slot = open_slot(self);
  self->request(self->state.env->front, std::chrono::seconds(5), members_atom::value)
    .then(
      [self, slot](membership_view& v) {
        std::string out;
        resp::array(out, v.members.size());
        for (auto& m : v.members) {
          resp::array(out, 4);
          resp::bulk(out, m.id);
          resp::bulk(out, m.address);
          resp::bulk(out, m.resp_address);
          resp::bulk(out, m.state);
        }
        deliver(self, slot, std::move(out));
      },
      fail_slot(self, slot));
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
  e.created_at_ms = now_ms();
  e.produced_by = env.node_id;
  std::string why;
  if (!validate_entry(e, &why))
    return "BADVALUE " + why;
  return {};
}

void cmd_tensor_set(self_ptr self, const route_snapshot& snap, std::vector<std::string>& argv) {
  auto& env = *self->state.env;
  int64_t ttl_s = 0;
  if (argv.size() == 7 && resp::to_lower(argv[5]) == "ex") {
    if (!resp::parse_int(argv[6], ttl_s) || ttl_s <= 0 || ttl_s > (int64_t{1} << 30))
      return reply_error(self, "ERR invalid expire time in 'ac.tensor.set' command");
  } else if (argv.size() != 5) {
    return reply_error(self, "ERR syntax error");
  }
  auto dtype = parse_dtype(argv[2]);
  if (!dtype)
    return reply_error(self, "ERR unknown dtype '" + argv[2] + "'");
  entry e;
  e.kind = value_kind::tensor;
  e.dtype = *dtype;
  if (!parse_shape(argv[3], e.shape))
    return reply_error(self, "ERR invalid shape '" + argv[3] + "' (want d0,d1,...)");
  if (auto p = finish_entry(env, e, argv[4], ttl_s); !p.empty())
    return reply_error(self, p);
  auto slot = open_slot(self);
  put_value(
    self, snap, argv[1], encode_entry(e), static_cast<uint32_t>(ttl_s), put_if::always,
    [self, slot](bool) { deliver(self, slot, "+OK\r\n"); }, fail_slot(self, slot));
}

void cmd_tensor_get(self_ptr self, const route_snapshot& snap, const std::string& key) {
  auto slot = open_slot(self);
  ask_owner(
    snap, key_hash(key),
    [self, slot](lookup_result& r) {
      if (!r.found)
        return deliver(self, slot, "$-1\r\n");
      auto e = decode_entry(r.value);
      if (!e)
        return deliver(self, slot, error_reply(self, "BADVALUE the stored entry does not decode"));
      std::string out;
      if (e->kind != value_kind::tensor) {
        // Not a tensor: its bytes as a one-dimensional "bytes" array, so a client that asks
        // for tensors gets any value in one round trip.
        resp::array(out, 3);
        resp::bulk(out, "bytes");
        resp::array(out, 1);
        resp::integer(out, static_cast<int64_t>(e->data.size()));
        resp::bulk(out, e->data);
        return deliver(self, slot, std::move(out));
      }
      resp::array(out, 3);
      resp::bulk(out, to_string(e->dtype));
      resp::array(out, e->shape.size());
      for (auto d : e->shape)
        resp::integer(out, static_cast<int64_t>(d));
      resp::bulk(out, e->data);
      deliver(self, slot, std::move(out));
    },
    fail_slot(self, slot), AC_ASK(self, snap, get_atom::value, key));
}

// -- leases -------------------------------------------------------------------------------------

/// ask_owner for the lease keeper: the local one, or the owner node's through its front.
template <class OnOk, class Routed, class Local>
void ask_lease_owner(self_ptr self, const route_snapshot& snap, uint64_t h, OnOk on_ok,
                     std::function<void(caf::error&)> on_err, Routed routed, Local local) {
  if (auto peer = snap.owner_front(h))
    routed(peer).then(std::move(on_ok), std::move(on_err));
  else
    local(self->state.env->leases).then(std::move(on_ok), std::move(on_err));
}

void append_lease_reply(std::string& out, lease_reply& r) {
  if (r.leased) {
    resp::array(out, 2);
    resp::bulk(out, "lease");
    resp::bulk(out, r.token);
    return;
  }
  auto e = decode_entry(r.entry);
  if (e && e->kind == value_kind::tensor) {
    resp::array(out, 4);
    resp::bulk(out, "tensor");
    resp::bulk(out, to_string(e->dtype));
    resp::array(out, e->shape.size());
    for (auto d : e->shape)
      resp::integer(out, static_cast<int64_t>(d));
    resp::bulk(out, e->data);
    return;
  }
  resp::array(out, 2);
  resp::bulk(out, "value");
  resp::bulk(out, e ? std::string_view{e->data} : std::string_view{});
}

void cmd_getorlease(self_ptr self, const route_snapshot& snap, std::vector<std::string>& argv) {
  int64_t lease_ms = 0;
  if (!resp::parse_int(argv[2], lease_ms) || lease_ms <= 0 || lease_ms > (int64_t{1} << 31))
    return reply_error(self, "ERR lease-ms must be a positive integer");
  auto slot = open_slot(self);
  auto ms = static_cast<uint32_t>(lease_ms);
  // A waiter may wait for the holder's whole lease, and then hold one itself.
  auto timeout = std::max<std::chrono::milliseconds>(self->state.env->request_timeout,
                                                     std::chrono::milliseconds(3 * lease_ms));
  auto& key = argv[1];
  ask_lease_owner(
    self, snap, key_hash(key),
    [self, slot](lease_reply& r) {
      std::string out;
      append_lease_reply(out, r);
      deliver(self, slot, std::move(out));
    },
    fail_slot(self, slot),
    [&](const front_actor& peer) {
      return self->request(peer, timeout, route_atom::value, lease_atom::value, get_atom::value,
                           key, ms, snap.epoch);
    },
    [&](const lease_actor& leases) {
      return self->request(leases, timeout, lease_atom::value, get_atom::value, key, ms);
    });
}

void cmd_fill(self_ptr self, const route_snapshot& snap, std::vector<std::string>& argv) {
  auto& env = *self->state.env;
  entry e;
  e.kind = value_kind::bytes;
  int64_t ttl_s = 0;
  for (size_t i = 4; i < argv.size(); ++i) {
    auto opt = resp::to_lower(argv[i]);
    if (opt == "ex" && i + 1 < argv.size()) {
      if (!resp::parse_int(argv[i + 1], ttl_s) || ttl_s <= 0 || ttl_s > (int64_t{1} << 30))
        return reply_error(self, "ERR invalid expire time in 'ac.fill' command");
      ++i;
    } else if (opt == "tensor" && i + 2 < argv.size()) {
      auto dtype = parse_dtype(argv[i + 1]);
      if (!dtype)
        return reply_error(self, "ERR unknown dtype '" + argv[i + 1] + "'");
      if (!parse_shape(argv[i + 2], e.shape))
        return reply_error(self, "ERR invalid shape '" + argv[i + 2] + "' (want d0,d1,...)");
      e.kind = value_kind::tensor;
      e.dtype = *dtype;
      i += 2;
    } else {
      return reply_error(self, "ERR syntax error");
    }
  }
  if (auto p = finish_entry(env, e, argv[3], ttl_s); !p.empty())
    return reply_error(self, p);
  auto slot = open_slot(self);
  auto encoded = encode_entry(e);
  auto ttl = static_cast<uint32_t>(ttl_s);
  auto& key = argv[1];
  auto& token = argv[2];
  auto timeout = env.request_timeout;
  ask_lease_owner(
    self, snap, key_hash(key), [self, slot](bool) { deliver(self, slot, "+OK\r\n"); },
    fail_slot(self, slot),
    [&](const front_actor& peer) {
      return self->request(peer, timeout, route_atom::value, lease_atom::value, put_atom::value,
                           key, token, encoded, ttl, snap.epoch);
    },
    [&](const lease_actor& leases) {
      return self->request(leases, timeout, lease_atom::value, put_atom::value, key, token,
                           encoded, ttl);
    });
}

void cmd_abandon(self_ptr self, const route_snapshot& snap, std::vector<std::string>& argv) {
  auto slot = open_slot(self);
  auto& key = argv[1];
  auto& token = argv[2];
  auto timeout = self->state.env->request_timeout;
  ask_lease_owner(
    self, snap, key_hash(key), [self, slot](bool) { deliver(self, slot, "+OK\r\n"); },
    fail_slot(self, slot),
    [&](const front_actor& peer) {
      return self->request(peer, timeout, route_atom::value, lease_atom::value,
                           delete_atom::value, key, token, snap.epoch);
    },
    [&](const lease_actor& leases) {
      return self->request(leases, timeout, lease_atom::value, delete_atom::value, key, token);
    });
}

// -- connection and server commands -------------------------------------------------------------

bool password_matches(const resp_env& env, const std::string& given) {
  return given.size() == env.password.size()
         && CRYPTO_memcmp(given.data(), env.password.data(), given.size()) == 0;
}

void cmd_auth(self_ptr self, std::vector<std::string>& argv) {
  auto& env = *self->state.env;
  if (argv.size() > 3)
    return reply_error(self, "ERR syntax error");
  if (env.password.empty())
    return reply_error(self, "ERR AUTH <password> called without any password configured for "
                             "the default user. Are you sure your configuration is correct?");
  // AUTH password, or AUTH default password (Redis 6 form with the default user).
  bool user_ok = argv.size() == 2 || argv[1] == "default";
  if (user_ok && password_matches(env, argv.back())) {
    self->state.authed = true;
    return reply_ok(self);
  }
  reply_error(self, "WRONGPASS invalid username-password pair or user is disabled.");
}

void cmd_hello(self_ptr self, std::vector<std::string>& argv) {
  auto& st = self->state;
  size_t i = 1;
  if (argv.size() > 1) {
    int64_t proto = 0;
    if (!resp::parse_int(argv[1], proto))
      return reply_error(self, "ERR Protocol version is not an integer or out of range");
    if (proto != 2)
      return reply_error(self, "NOPROTO sorry, this protocol version is not supported");
    i = 2;
  }
  for (; i < argv.size(); ++i) {
    auto opt = resp::to_lower(argv[i]);
    if (opt == "auth" && i + 2 < argv.size()) {
      if (st.env->password.empty() || argv[i + 1] != "default"
          || !password_matches(*st.env, argv[i + 2]))
        return reply_error(self, "WRONGPASS invalid username-password pair or user is disabled.");
      st.authed = true;
      i += 2;
    } else if (opt == "setname" && i + 1 < argv.size()) {
      st.client_name = argv[++i];
    } else {
      return reply_error(self, "ERR Syntax error in HELLO option '" + argv[i] + "'");
    }
  }
  if (!st.authed)
    return reply_error(self, "NOAUTH HELLO must be called with the client already authenticated, "
                             "otherwise the HELLO <proto> AUTH <user> <pass> option can be used");
  std::string out;
  resp::array(out, 14);
  resp::bulk(out, "server");
  resp::bulk(out, "redis");
  resp::bulk(out, "version");
  resp::bulk(out, "7.0.0");
  resp::bulk(out, "proto");
  resp::integer(out, 2);
  resp::bulk(out, "id");
  resp::integer(out, static_cast<int64_t>(self->id()));
  resp::bulk(out, "mode");
  resp::bulk(out, "cluster");
  resp::bulk(out, "role");
  resp::bulk(out, "master");
  resp::bulk(out, "modules");
  resp::array(out, 0);
  reply_now(self, std::move(out));
}

void cmd_client(self_ptr self, std::vector<std::string>& argv) {
  auto sub = resp::to_lower(argv[1]);
  if (sub == "setname" && argv.size() == 3) {
    self->state.client_name = argv[2];
    return reply_ok(self);
  }
  if (sub == "getname" && argv.size() == 2) {
    std::string out;
    if (self->state.client_name.empty())
      resp::nil(out);
    else
      resp::bulk(out, self->state.client_name);
    return reply_now(self, std::move(out));
  }
  if (sub == "id" && argv.size() == 2)
    return reply_int(self, static_cast<int64_t>(self->id()));
  if (sub == "setinfo" && argv.size() == 4)
    return reply_ok(self);
  reply_error(self, "ERR unknown subcommand '" + argv[1] + "'. Try CLIENT HELP.");
}

void append_command_entry(std::string& out, const resp::command_spec& c) {
  resp::array(out, 6);
  resp::bulk(out, c.name);
  resp::integer(out, c.arity);
  std::vector<std::string_view> flags;
  for (size_t start = 0; start < c.flags.size();) {
    auto sp = c.flags.find(' ', start);
    auto end = sp == std::string_view::npos ? c.flags.size() : sp;
    flags.push_back(c.flags.substr(start, end - start));
    start = end + 1;
  }
  resp::array(out, flags.size());
  for (auto f : flags)
    resp::simple(out, f);
  resp::integer(out, c.first_key);
  resp::integer(out, c.last_key);
  resp::integer(out, c.key_step);
}

void cmd_command(self_ptr self, std::vector<std::string>& argv) {
  std::string out;
  auto sub = argv.size() > 1 ? resp::to_lower(argv[1]) : std::string{};
  if (sub.empty()) {
    auto& table = resp::command_table();
    resp::array(out, table.size());
    for (auto& c : table)
      append_command_entry(out, c);
  } else if (sub == "count") {
    resp::integer(out, static_cast<int64_t>(resp::command_table().size()));
  } else if (sub == "info") {
    resp::array(out, argv.size() - 2);
    for (size_t i = 2; i < argv.size(); ++i) {
      if (auto* c = resp::find_command(argv[i]))
        append_command_entry(out, *c);
      else
        resp::nil(out);
    }
  } else if (sub == "docs") {
    // redis-cli asks at start for its hints; no docs is an answer it accepts (an empty map).
    resp::array(out, 0);
  } else {
    return reply_error(self, "ERR unknown subcommand '" + argv[1] + "'. Try COMMAND HELP.");
  }
  reply_now(self, std::move(out));
}

void cmd_info(self_ptr self, const route_snapshot& snap, std::vector<std::string>& argv) {
  auto slot = open_slot(self);
  auto section = argv.size() > 1 ? resp::to_lower(argv[1]) : std::string{"default"};
  auto members = snap.ids.size();
  auto epoch = snap.epoch;
  self->request(self->state.env->front, std::chrono::seconds(5), report_atom::value)
    .then(
      [self, slot, section, members, epoch](node_report& rep) {
        auto& env = *self->state.env;
        auto& c = *env.counters;
        auto t = [&](const char* k) {
          auto i = rep.totals.find(k);
          return i == rep.totals.end() ? int64_t{0} : static_cast<int64_t>(i->second);
        };
        auto want = [&](const char* s) {
          return section == "default" || section == "all" || section == "everything" || section == s;
        };
        std::string text;
        auto line = [&](const std::string& k, const std::string& v) { text += k + ":" + v + "\r\n"; };
        auto num = [&](const std::string& k, int64_t v) { line(k, std::to_string(v)); };
        if (want("server")) {
          text += "# Server\r\n";
          line("redis_version", "7.0.0");
          line("redis_mode", "cluster");
          line("actorcache_version", "0.1.0");
          line("actorcache_node_id", env.node_id);
          num("process_id", static_cast<int64_t>(::getpid()));
          num("tcp_port", env.resp_port);
          num("uptime_in_seconds", t("uptime_s"));
          text += "\r\n";
        }
        if (want("clients")) {
          text += "# Clients\r\n";
          num("connected_clients", c.open.load());
          text += "\r\n";
        }
        if (want("memory")) {
          text += "# Memory\r\n";
          num("used_memory", t("bytes"));
          num("maxmemory", t("capacity_bytes"));
          line("maxmemory_policy", "actorcache-" + std::string{"l1"});
          text += "\r\n";
        }
        if (want("stats")) {
          text += "# Stats\r\n";
          num("total_connections_received", static_cast<int64_t>(c.connections.load()));
          num("total_commands_processed", static_cast<int64_t>(c.commands.load()));
          num("total_error_replies", static_cast<int64_t>(c.errors.load()));
          num("rejected_connections", static_cast<int64_t>(c.refused.load()));
          num("keyspace_hits", t("hits"));
          num("keyspace_misses", t("misses"));
          num("evicted_keys", t("evictions"));
          num("expired_keys", t("expirations"));
          num("actorcache_computes", t("computes"));
          num("actorcache_coalesced", t("coalesced"));
          num("actorcache_l2_hits", t("l2_hits"));
          num("actorcache_l2_misses", t("l2_misses"));
          num("actorcache_l2_errors", t("l2_errors"));
          line("actorcache_l2_breaker", rep.breaker);
          num("actorcache_p50_us", t("p50_us"));
          num("actorcache_p99_us", t("p99_us"));
          text += "\r\n";
        }
        if (want("cluster")) {
          text += "# Cluster\r\n";
          num("cluster_enabled", 1);
          num("actorcache_members", static_cast<int64_t>(members));
          num("actorcache_epoch", static_cast<int64_t>(epoch));
          text += "\r\n";
        }
        if (want("keyspace")) {
          text += "# Keyspace\r\n";
          line("db0", "keys=" + std::to_string(t("entries")) + ",expires=" + std::to_string(t("entries"))
                        + ",avg_ttl=0");
        }
        std::string out;
        resp::bulk(out, text);
        deliver(self, slot, std::move(out));
      },
      fail_slot(self, slot));
}

/// Every argument a command names as a key, checked; "" when all are fine.
std::string keys_problem(const resp_env& env, const resp::command_spec& spec,
                         const std::vector<std::string>& argv) {
  auto nkeys = resp::key_count(spec, argv.size());
  if (nkeys > env.max_keys)
    return "ERR " + std::to_string(nkeys) + " keys in one command exceed resp.max-keys="
           + std::to_string(env.max_keys);
  if (nkeys == 0)
    return {};
  auto last = spec.last_key < 0 ? argv.size() - 1 : static_cast<size_t>(spec.last_key);
  for (size_t i = static_cast<size_t>(spec.first_key); i <= last && i < argv.size();
       i += static_cast<size_t>(spec.key_step))
    if (auto p = key_problem(env, argv[i]); !p.empty())
      return p;
  return {};
}

} // namespace

std::string resp_error_text(const caf::error& err) {
  if (err.category() != errc_category)
    return "UNAVAILABLE " + describe(err);
  std::string reason;
  if (err.context().match_elements<std::string>())
    reason = err.context().get_as<std::string>(0);
  auto code = code_of(static_cast<errc>(err.code()));
  return reason.empty() ? std::string{code} + " " + to_string(static_cast<errc>(err.code()))
                        : std::string{code} + " " + reason;
}

void run_command(resp_session_actor* self, std::vector<std::string>& argv) {
  auto& st = self->state;
  auto& env = *st.env;
  env.counters->commands.fetch_add(1, std::memory_order_relaxed);
  const auto* spec = resp::find_command(argv[0]);
  if (spec == nullptr)
    return reply_error(self, resp::unknown_command_error(argv[0], argv));
  env.counters->by_command[static_cast<size_t>(spec->id)].fetch_add(1, std::memory_order_relaxed);
  if (!resp::arity_ok(*spec, argv.size()))
    return reply_error(self, resp::wrong_arity_error(spec->name));
  if (!st.authed && spec->flags.find("noauth") == std::string_view::npos)
    return reply_error(self, "NOAUTH Authentication required.");
  if (auto p = keys_problem(env, *spec, argv); !p.empty())
    return reply_error(self, p);
  auto snap = env.routes->get();
  switch (spec->id) {
    case command_id::ping:
      if (argv.size() > 2)
        return reply_error(self, resp::wrong_arity_error("ping"));
      if (argv.size() == 2) {
        std::string out;
        resp::bulk(out, argv[1]);
        return reply_now(self, std::move(out));
      }
      return reply_now(self, "+PONG\r\n");
    case command_id::echo: {
      std::string out;
      resp::bulk(out, argv[1]);
      return reply_now(self, std::move(out));
    }
    case command_id::quit:
      reply_ok(self);
      return close_after_replies(self);
    case command_id::auth: return cmd_auth(self, argv);
    case command_id::hello: return cmd_hello(self, argv);
    case command_id::select:
      if (argv[1] == "0")
        return reply_ok(self);
      return reply_error(self, "ERR DB index is out of range");
    case command_id::client: return cmd_client(self, argv);
    case command_id::command: return cmd_command(self, argv);
    case command_id::info: return cmd_info(self, *snap, argv);
    case command_id::dbsize: return cmd_dbsize(self, *snap);
    case command_id::get: return cmd_get(self, *snap, argv[1]);
    case command_id::mget: return cmd_mget(self, *snap, argv);
    case command_id::set: return cmd_set(self, *snap, argv);
    case command_id::setex: return cmd_setex(self, *snap, argv);
    case command_id::mset: return cmd_mset(self, *snap, argv);
    case command_id::del:
    case command_id::unlink: return cmd_del(self, *snap, argv);
    case command_id::exists:
      return keyspace_each(self, *snap, key_op::exists, 0,
                           std::vector<std::string>(argv.begin() + 1, argv.end()), int_reply);
    case command_id::ttl: return cmd_ttl(self, *snap, argv[1], false);
    case command_id::pttl: return cmd_ttl(self, *snap, argv[1], true);
    case command_id::expire: return cmd_expire(self, *snap, argv, false);
    case command_id::pexpire: return cmd_expire(self, *snap, argv, true);
    case command_id::ac_owner: return cmd_owner(self, *snap, argv[1]);
    case command_id::ac_members: return cmd_members(self);
    case command_id::ac_tensor_set: return cmd_tensor_set(self, *snap, argv);
    case command_id::ac_tensor_get: return cmd_tensor_get(self, *snap, argv[1]);
    case command_id::ac_getorlease: return cmd_getorlease(self, *snap, argv);
    case command_id::ac_fill: return cmd_fill(self, *snap, argv);
    case command_id::ac_abandon: return cmd_abandon(self, *snap, argv);
    default: break;
  }
  reply_error(self, resp::unknown_command_error(argv[0], argv));
}

} // namespace ac
