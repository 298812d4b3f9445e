// RESP connection and server commands: AUTH, HELLO, CLIENT, COMMAND, INFO.
#include "actors/resp_command_parts.hpp"

#include <unistd.h>
#include <chrono>

#include <openssl/crypto.h>

namespace ac::resp_cmd {

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
    return reply_error(self,
                       "ERR AUTH <password> called without any password configured for "
                       "the default user. Are you sure your configuration is correct?");
  // AUTH password, or AUTH default password (Redis 6 form with the default user).
  bool user_ok = argv.size() == 2 || argv[1] == "default";
  if (user_ok && password_matches(env, argv.back())) {
    self->state.authed = true;
    self->state.reader->set_limits(env.limits);
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
      st.reader->set_limits(st.env->limits);
      i += 2;
    } else if (opt == "setname" && i + 1 < argv.size()) {
      st.client_name = argv[++i];
    } else {
      return reply_error(self, "ERR Syntax error in HELLO option '" + argv[i] + "'");
    }
  }
  if (!st.authed)
    return reply_error(self,
                       "NOAUTH HELLO must be called with the client already authenticated, "
                       "otherwise the HELLO <proto> AUTH <user> <pass> option can be used");
  // A map of seven fields, which RESP2 writes as an array of names and values: field(name)
  // writes the name and returns where its value goes.
  std::string out;
  resp::array(out, 14);
  auto field = [&out](const char* name) -> std::string& {
    resp::bulk(out, name);
    return out;
  };
  resp::bulk(field("server"), "redis");
  resp::bulk(field("version"), "7.0.0");
  resp::integer(field("proto"), 2);
  resp::integer(field("id"), static_cast<int64_t>(self->id()));
  resp::bulk(field("mode"), "cluster");
  resp::bulk(field("role"), "master");
  resp::array(field("modules"), 0);
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

namespace {

/// INFO's reply as it is built: `# Section` headings and `key:value` lines, with the node
/// report's totals at hand.
struct info_text {
  const node_report& rep;
  std::string text;

  void heading(const char* section) { text += std::string{"# "} + section + "\r\n"; }
  void line(const std::string& k, const std::string& v) { text += k + ":" + v + "\r\n"; }
  void num(const std::string& k, int64_t v) { line(k, std::to_string(v)); }
  /// A total (a double in the report) as INFO's integer.
  void total(const std::string& k, double v) { num(k, static_cast<int64_t>(v)); }
  /// actorcache_NAME: VALUE for each (NAME, VALUE) that AC_TOTAL(NAME) makes of the report's
  /// total NAME (a field of node_totals: a renamed one fails to compile here).
  void totals(std::initializer_list<std::pair<const char*, double>> named) {
    for (auto& [name, value] : named)
      total(std::string{"actorcache_"} + name, value);
  }
  void end_section() { text += "\r\n"; }
};

#define AC_TOTAL(name) std::pair<const char*, double>(#name, t.name)

void info_server(info_text& out, const resp_env& env) {
  const auto& t = out.rep.totals;
  out.heading("Server");
  out.line("redis_version", "7.0.0");
  out.line("redis_mode", "cluster");
  out.line("actorcache_version", "0.1.0");
  out.line("actorcache_node_id", env.node_id);
  out.num("process_id", static_cast<int64_t>(::getpid()));
  out.num("tcp_port", env.resp_port);
  out.num("actorcache_cores", env.cores);
  out.num("actorcache_io_loops", env.io_loops);
  out.num("actorcache_scheduler_threads", env.scheduler_threads);
  out.num("actorcache_shards", env.shards);
  out.total("uptime_in_seconds", t.uptime_s);
  out.end_section();
}

void info_memory(info_text& out) {
  const auto& t = out.rep.totals;
  out.heading("Memory");
  out.total("used_memory", t.bytes);
  out.total("maxmemory", t.capacity_bytes);
  out.line("maxmemory_policy", "actorcache-" + std::string{"l1"});
  out.end_section();
}

void info_stats(info_text& out, const resp_counters& c) {
  const auto& t = out.rep.totals;
  out.heading("Stats");
  out.num("total_connections_received", static_cast<int64_t>(c.connections.load()));
  out.num("total_commands_processed", static_cast<int64_t>(c.commands.load()));
  // The node's one error count (CAF and RESP clients), as stats and /metrics show it;
  // resp_error_replies is this port's share.
  out.total("total_error_replies", t.errors);
  out.num("resp_error_replies", static_cast<int64_t>(c.errors.load()));
  out.num("rejected_connections", static_cast<int64_t>(c.refused.load()));
  // Commands that waited for an earlier one of their connection (core/connection_order).
  out.num("actorcache_ordered_waits", static_cast<int64_t>(c.ordered_waits.load()));
  out.total("keyspace_hits", t.hits);
  out.total("keyspace_misses", t.misses);
  out.total("evicted_keys", t.evictions);
  out.total("expired_keys", t.expirations);
  out.totals({AC_TOTAL(computes), AC_TOTAL(coalesced), AC_TOTAL(refresh_ahead),
              AC_TOTAL(hot_misses), AC_TOTAL(prefetches), AC_TOTAL(prefetch_hits),
              AC_TOTAL(l2_hits), AC_TOTAL(l2_misses), AC_TOTAL(l2_errors)});
  out.line("actorcache_l2_breaker", out.rep.breaker);
  out.totals({AC_TOTAL(l2_writes), AC_TOTAL(l2_writes_dropped), AC_TOTAL(key_waits)});
  // SET answers +OK for a value stored in L1 only (Redis down, l1-when-down): these
  // counters are where a Redis client's operator sees that it was not durable.
  out.totals({AC_TOTAL(l1_only_puts), AC_TOTAL(l1_only_deletes), AC_TOTAL(pending_deletes),
              AC_TOTAL(p50_us), AC_TOTAL(p99_us)});
  out.end_section();
}

void info_cluster(info_text& out, size_t members, uint64_t epoch) {
  const auto& t = out.rep.totals;
  out.heading("Cluster");
  out.num("cluster_enabled", 1);
  out.num("actorcache_members", static_cast<int64_t>(members));
  out.num("actorcache_epoch", static_cast<int64_t>(epoch));
  // Ownership moves: entries dropped on a heal or once another node owned their key,
  // and the last warming run (keys loaded from L2 ahead of demand, its length).
  out.totals({AC_TOTAL(heal_drops), AC_TOTAL(disowned_drops), AC_TOTAL(warming_keys)});
  out.total("actorcache_warming_ms", t.warming_seconds * 1000);
  out.totals({AC_TOTAL(warming_in_progress), AC_TOTAL(warming_listed), AC_TOTAL(warming_saved)});
  out.end_section();
}

#undef AC_TOTAL

} // namespace

void cmd_info(self_ptr self, const route_snapshot& snap, std::vector<std::string>& argv) {
  auto slot = open_slot(self);
  auto section = argv.size() > 1 ? resp::to_lower(argv[1]) : std::string{"default"};
  auto members = snap.ids.size();
  auto epoch = snap.epoch;
  self->request(self->state.env->front, std::chrono::seconds(5), report_atom::value)
    .then(
      [self, slot, section, members, epoch](node_report& rep) {
        auto& env = *self->state.env;
        auto want = [&](const char* s) {
          return section == "default" || section == "all" || section == "everything"
                 || section == s;
        };
        // The sections in Redis's order, as a client reads them.
        info_text info{rep, {}};
        if (want("server"))
          info_server(info, env);
        if (want("clients")) {
          info.heading("Clients");
          info.num("connected_clients", env.counters->open.load());
          info.end_section();
        }
        if (want("memory"))
          info_memory(info);
        if (want("stats"))
          info_stats(info, *env.counters);
        if (want("cluster"))
          info_cluster(info, members, epoch);
        if (want("keyspace")) {
          info.heading("Keyspace");
          auto entries = std::to_string(static_cast<int64_t>(info.rep.totals.entries));
          info.line("db0", "keys=" + entries + ",expires=" + entries + ",avg_ttl=0");
        }
        std::string out;
        resp::bulk(out, info.text);
        deliver(self, slot, std::move(out));
      },
      fail_slot(self, slot));
}

/// Every argument a command names as a key, checked; "" when all are fine.

} // namespace ac::resp_cmd
