// The commands of the RESP edge (see resp_commands.hpp): checks every request, then hands it to the command that serves it.
#include "actors/resp_commands.hpp"

#include "actors/resp_command_parts.hpp"
#include "actors/resp_session_io.hpp"

namespace ac {

using namespace resp_cmd;

namespace {

std::string keys_problem(const resp_env& env, const resp::command_spec& spec,
                         const std::vector<std::string>& argv) {
  auto nkeys = resp::key_count(spec, argv.size());
  if (nkeys > env.max_keys)
    return "ERR " + std::to_string(nkeys)
           + " keys in one command exceed resp.max-keys=" + std::to_string(env.max_keys);
  if (nkeys == 0)
    return {};
  auto last = spec.last_key < 0 ? argv.size() - 1 : static_cast<size_t>(spec.last_key);
  for (size_t i = static_cast<size_t>(spec.first_key); i <= last && i < argv.size();
       i += static_cast<size_t>(spec.key_step))
    if (auto p = key_problem(env, argv[i]); !p.empty())
      return p;
  return {};
}

/// Why a known command is refused before it runs (wrong arity, no AUTH yet, a bad key or too
/// many); "" when it may run. The session replies with it; the I/O loop leaves such a command
/// to the session.
std::string refusal(const resp_session_state& st, const resp::command_spec& spec,
                    const std::vector<std::string>& argv) {
  if (!resp::arity_ok(spec, argv.size()))
    return resp::wrong_arity_error(spec.name);
  if (!st.authed && spec.flags.find("noauth") == std::string_view::npos)
    return "NOAUTH Authentication required.";
  return keys_problem(*st.env, spec, argv);
}

} // namespace

std::string resp_error_text(const caf::error& err) {
  if (err.category() != errc_category)
    return "UNAVAILABLE " + describe(err);
  std::string reason;
  if (err.context().match_elements<std::string>())
    reason = err.context().get_as<std::string>(0);
  auto code = code_of(static_cast<errc>(err.code()));
  return reason.empty() ? code + " " + to_string(static_cast<errc>(err.code()))
                        : code + " " + reason;
}

namespace {

using order_kind = connection_order::kind;

/// The hashes of the keys a command names (its spec's key positions).
void hash_keys(const resp::command_spec& spec, const std::vector<std::string>& argv,
               std::vector<uint64_t>& out) {
  out.clear();
  auto n = resp::key_count(spec, argv.size());
  for (size_t i = 0; i < n; ++i)
    out.push_back(key_hash(argv[static_cast<size_t>(spec.first_key) + i * spec.key_step]));
}

std::optional<uint64_t> first_owed(const resp_session_state& st) {
  for (size_t i = 0; i < st.slots.size(); ++i)
    if (!st.slots[i])
      return st.first_slot + i;
  return std::nullopt;
}

/// Holds the command when an earlier one of the connection must be answered first
/// (core/connection_order): it waits at the stash's front, and nothing behind it is read, until
/// deliver() answers that slot. True when it was held.
bool held_for_order(resp_session_actor* self, order_kind kind, std::vector<std::string>& argv,
                    const std::vector<uint64_t>& keys) {
  auto& st = self->state;
  // The earliest owed slot only for a whole-keyspace command: a walk over the owed slots.
  auto first = kind == order_kind::whole ? first_owed(st) : std::nullopt;
  auto blocker = st.order.blocker(kind, keys.data(), keys.size(), first,
                                  [&st](uint64_t slot) { return slot_owed(st, slot); });
  if (!blocker)
    return false;
  if (!st.rerun) // a command that waits again for another slot is still one command that waited
    st.env->counters->ordered_waits.fetch_add(1, std::memory_order_relaxed);
  st.held_on = *blocker;
  st.stash.push_front(stashed_command{std::move(argv), std::nullopt, {}, true});
  return true;
}

void dispatch(resp_session_actor* self, const resp::command_spec* spec,
              std::vector<std::string>& argv);

} // namespace

void run_command(resp_session_actor* self, std::vector<std::string>& argv) {
  auto& st = self->state;
  const auto* spec = resp::find_command(argv[0]);
  if (!st.forwards.empty() && (spec == nullptr || spec->id != command_id::get))
    send_forwarded_gets(self); // nothing overtakes the GETs held before it
  // Only commands that will run are ordered (a refused one is answered at once, in its slot).
  auto kind = spec != nullptr && st.authed && resp::arity_ok(*spec, argv.size())
                  && resp::key_count(*spec, argv.size()) <= st.env->max_keys
                ? resp::ordering_of(spec->id)
                : order_kind::free;
  if (kind == order_kind::free)
    return dispatch(self, spec, argv);
  bool recorded = kind == order_kind::read || kind == order_kind::relayed;
  std::vector<uint64_t> keys;
  if (recorded || !st.order.empty())
    hash_keys(*spec, argv, keys);
  if ((kind == order_kind::whole || !st.order.empty()) && held_for_order(self, kind, argv, keys))
    return; // counted when it runs
  auto slot = st.first_slot + st.slots.size();
  dispatch(self, spec, argv);
  if (recorded && slot_owed(st, slot))
    st.order.left(slot, kind, keys.data(), keys.size());
}

namespace {

// Long on purpose: the checks every command passes, then one case per command (a dispatch table).
void dispatch(resp_session_actor* self, const resp::command_spec* spec,
              std::vector<std::string>& argv) {
  auto& st = self->state;
  auto& env = *st.env;
  env.counters->commands.fetch_add(1, std::memory_order_relaxed);
  if (spec == nullptr)
    return reply_error(self, resp::unknown_command_error(argv[0], argv));
  env.counters->by_command[static_cast<size_t>(spec->id)].fetch_add(1, std::memory_order_relaxed);
  if (auto why = refusal(st, *spec, argv); !why.empty())
    return reply_error(self, why);
  if (spec->id != command_id::get && spec->id != command_id::mget)
    st.barriers.push_back(st.first_slot + st.slots.size()); // the slot this command opens
  const auto& snap = st.routes.current();
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
    case command_id::auth:
      return cmd_auth(self, argv);
    case command_id::hello:
      return cmd_hello(self, argv);
    case command_id::select: {
      int64_t db = 0;
      if (!resp::parse_int(argv[1], db))
        return reply_error(self, "ERR value is not an integer or out of range");
      if (db == 0)
        return reply_ok(self);
      return reply_error(self, "ERR DB index is out of range"); // a node has one database
    }
    case command_id::client:
      return cmd_client(self, argv);
    case command_id::command:
      return cmd_command(self, argv);
    case command_id::info:
      return cmd_info(self, snap, argv);
    case command_id::dbsize:
      return cmd_dbsize(self, snap);
    case command_id::get:
      return cmd_get(self, snap, argv[1]);
    case command_id::mget:
      return cmd_mget(self, snap, argv);
    case command_id::set:
      return cmd_set(self, snap, argv);
    case command_id::setex:
      return cmd_setex(self, snap, argv);
    case command_id::mset:
      return cmd_mset(self, snap, argv);
    case command_id::del:
    case command_id::unlink:
      return cmd_del(self, snap, argv);
    case command_id::exists:
      return keyspace_each(self, snap, key_op::exists, 0,
                           std::vector<std::string>(argv.begin() + 1, argv.end()), int_reply);
    case command_id::ttl:
      return cmd_ttl(self, snap, argv[1], false);
    case command_id::pttl:
      return cmd_ttl(self, snap, argv[1], true);
    case command_id::expire:
      return cmd_expire(self, snap, argv, false);
    case command_id::pexpire:
      return cmd_expire(self, snap, argv, true);
    case command_id::scan:
      return cmd_scan(self, snap, argv);
    case command_id::flushdb:
      return cmd_flushdb(self, snap, argv);
    case command_id::ac_owner:
      return cmd_owner(self, snap, argv[1]);
    case command_id::ac_members:
      return cmd_members(self);
    case command_id::ac_tensor_set:
      return cmd_tensor_set(self, snap, argv);
    case command_id::ac_tensor_get:
      return cmd_tensor_get(self, snap, argv[1]);
    case command_id::ac_getorlease:
      return cmd_getorlease(self, snap, argv);
    case command_id::ac_fill:
      return cmd_fill(self, snap, argv);
    case command_id::ac_abandon:
      return cmd_abandon(self, snap, argv);
    default:
      break;
  }
  reply_error(self, resp::unknown_command_error(argv[0], argv));
}

} // namespace

void loop_tally::add_to(resp_counters& c) const {
  auto commands = gets + mgets + sets + tensor_gets + lease_hits;
  if (commands == 0)
    return;
  c.commands.fetch_add(commands, std::memory_order_relaxed);
  c.loop_commands.fetch_add(commands, std::memory_order_relaxed);
  c.by_command[static_cast<size_t>(command_id::get)].fetch_add(gets, std::memory_order_relaxed);
  c.by_command[static_cast<size_t>(command_id::mget)].fetch_add(mgets, std::memory_order_relaxed);
  c.by_command[static_cast<size_t>(command_id::set)].fetch_add(sets, std::memory_order_relaxed);
  c.by_command[static_cast<size_t>(command_id::ac_tensor_get)].fetch_add(tensor_gets,
                                                                         std::memory_order_relaxed);
  c.by_command[static_cast<size_t>(command_id::ac_getorlease)].fetch_add(lease_hits,
                                                                         std::memory_order_relaxed);
  c.inline_hits.fetch_add(hits, std::memory_order_relaxed);
}

/// Appends a stored entry's reply head (`head`: append_tensor_head, append_lease_value_head),
/// then its data as a bulk string, sent from where it lies when `out` is the connection's own
/// output. False, with `out` as it was, when the entry does not decode (a bug, not input: shards
/// check every value; the session then says so).
bool append_headed(resp_session_state& st, std::string& out, std::string_view entry,
                   bool (*head)(std::string&, std::string_view, std::string_view&)) {
  std::string_view payload;
  size_t before = out.size();
  if (!head(out, entry, payload)) {
    out.resize(before);
    return false;
  }
  if (&out == &st.out)
    append_bulk_direct(st, payload);
  else
    resp::bulk(out, payload);
  return true;
}

/// AC.TENSOR.GET, the Python client's read: a tensor or bytes value, or nil for a final miss.
bool tensor_get_on_loop(resp_session_state& st, const route_snapshot& snap,
                        std::vector<std::string>& argv, std::string& out, loop_tally& tally) {
  bool hit = false, bad = false;
  if (!inline_hit(st, snap, key_hash(argv[1]), argv[1], [&](std::optional<std::string_view> e) {
        if (!e)
          return resp::nil(out);
        hit = append_headed(st, out, *e, append_tensor_head);
        bad = !hit;
      }))
    return false;
  if (bad)
    return false;
  ++tally.tensor_gets;
  tally.hits += hit;
  return true;
}

/// AC.GETORLEASE of a key this node owns and holds fresh in L1: get_or_compute's hit, the
/// service's most frequent call. A stored value needs no lease: the lease keeper too reads L1
/// first and answers with what it finds, so the loop answers as it would (a GET's view of the
/// key). A miss, or a lease-ms the session must refuse, goes to the session and the keeper.
bool lease_hit_on_loop(resp_session_state& st, const route_snapshot& snap,
                       std::vector<std::string>& argv, std::string& out, loop_tally& tally) {
  if (!lease_ms_of(argv[2]))
    return false;
  bool hit = false;
  if (!inline_hit(
        st, snap, key_hash(argv[1]), argv[1],
        [&](std::optional<std::string_view> e) {
          hit = e && append_headed(st, out, *e, append_lease_value_head); // hits_only: e is set
        },
        /*hits_only=*/true))
    return false;
  if (!hit)
    return false;
  ++tally.lease_hits;
  ++tally.hits;
  return true;
}

bool answer_on_loop(resp_session_state& st, const route_snapshot& snap,
                    std::vector<std::string>& argv, std::string& out,
                    std::optional<lookup_results>& hits, loop_tally& tally) {
  const auto* spec = resp::find_command(argv[0]);
  if (spec == nullptr
      || (spec->id != command_id::get && spec->id != command_id::mget
          && spec->id != command_id::ac_tensor_get && spec->id != command_id::ac_getorlease
          && (spec->id != command_id::set || argv.size() != 3)))
    return false;
  // Anything the session would refuse it refuses itself (the reply goes in its slot).
  if (!refusal(st, *spec, argv).empty())
    return false;
  if (spec->id == command_id::set) {
    if (!value_problem(*st.env, argv[2]).empty())
      return false;
    if (!inline_put(st, snap, key_hash(argv[1]), argv[1], argv[2], 0))
      return false;
    out += "+OK\r\n";
    ++tally.sets;
    return true;
  }
  if (spec->id == command_id::ac_getorlease)
    return lease_hit_on_loop(st, snap, argv, out, tally);
  if (spec->id == command_id::ac_tensor_get)
    return tensor_get_on_loop(st, snap, argv, out, tally);
  if (spec->id == command_id::get) {
    auto h = key_hash(argv[1]);
    bool hit = false;
    if (!inline_hit(st, snap, h, argv[1], [&](std::optional<std::string_view> entry) {
          hit = entry.has_value();
          if (entry && &out == &st.out)
            append_payload_direct(st, *entry); // a large value leaves without a copy into `out`
          else
            append_read(out, entry);
        }))
      return false;
    ++tally.gets;
    tally.hits += hit;
    return true;
  }
  size_t n = argv.size() - 1;
  lookup_results found(n);
  auto k = inline_hits(st, snap, argv, found);
  if (k.answered == 0)
    return false; // nothing read: the session runs the MGET whole
  ++tally.mgets;
  tally.hits += k.hits;
  if (k.answered < n) {
    hits = std::move(found);
    return false;
  }
  out += mget_reply(found);
  return true;
}

void run_stashed(resp_session_actor* self, stashed_command& cmd) {
  if (!cmd.hits) {
    self->state.rerun = cmd.held;
    run_command(self, cmd.argv);
    self->state.rerun = false;
    return;
  }
  // An MGET the loop answered in part: the loop served an idle connection, so nothing before
  // it is owed and it need not wait; the keys it still reads are recorded as any read's are.
  auto& st = self->state;
  std::vector<uint64_t> keys;
  hash_keys(*resp::find_command(cmd.argv[0]), cmd.argv, keys);
  auto slot = st.first_slot + st.slots.size();
  mget_rest(self, st.routes.current(), cmd.argv, std::move(*cmd.hits));
  if (slot_owed(st, slot))
    st.order.left(slot, order_kind::read, keys.data(), keys.size());
}

} // namespace ac
