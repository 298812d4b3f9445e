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
    return reply_error(self,
                       "NOAUTH HELLO must be called with the client already authenticated, "
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

// Long on purpose: INFO's sections and fields in Redis's order, as a client reads them.
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
          return section == "default" || section == "all" || section == "everything"
                 || section == s;
        };
        std::string text;
        auto line = [&](const std::string& k, const std::string& v) {
          text += k + ":" + v + "\r\n";
        };
        auto num = [&](const std::string& k, int64_t v) { line(k, std::to_string(v)); };
        if (want("server")) {
          text += "# Server\r\n";
          line("redis_version", "7.0.0");
          line("redis_mode", "cluster");
          line("actorcache_version", "0.1.0");
          line("actorcache_node_id", env.node_id);
          num("process_id", static_cast<int64_t>(::getpid()));
          num("tcp_port", env.resp_port);
          num("actorcache_cores", env.cores);
          num("actorcache_io_loops", env.io_loops);
          num("actorcache_shards", env.shards);
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
          // The node's one error count (CAF and RESP clients), as stats and /metrics show it;
          // resp_error_replies is this port's share.
          num("total_error_replies", t("errors"));
          num("resp_error_replies", static_cast<int64_t>(c.errors.load()));
          num("rejected_connections", static_cast<int64_t>(c.refused.load()));
          num("keyspace_hits", t("hits"));
          num("keyspace_misses", t("misses"));
          num("evicted_keys", t("evictions"));
          num("expired_keys", t("expirations"));
          num("actorcache_computes", t("computes"));
          num("actorcache_coalesced", t("coalesced"));
          num("actorcache_refresh_ahead", t("refresh_ahead"));
          num("actorcache_hot_misses", t("hot_misses"));
          num("actorcache_prefetches", t("prefetches"));
          num("actorcache_prefetch_hits", t("prefetch_hits"));
          num("actorcache_l2_hits", t("l2_hits"));
          num("actorcache_l2_misses", t("l2_misses"));
          num("actorcache_l2_errors", t("l2_errors"));
          line("actorcache_l2_breaker", rep.breaker);
          // SET answers +OK for a value stored in L1 only (Redis down, l1-when-down): these
          // counters are where a Redis client's operator sees that it was not durable.
          num("actorcache_l1_only_puts", t("l1_only_puts"));
          num("actorcache_l1_only_deletes", t("l1_only_deletes"));
          num("actorcache_pending_deletes", t("pending_deletes"));
          num("actorcache_p50_us", t("p50_us"));
          num("actorcache_p99_us", t("p99_us"));
          text += "\r\n";
        }
        if (want("cluster")) {
          text += "# Cluster\r\n";
          num("cluster_enabled", 1);
          num("actorcache_members", static_cast<int64_t>(members));
          num("actorcache_epoch", static_cast<int64_t>(epoch));
          // Ownership moves: entries dropped on a heal or once another node owned their key,
          // and the last warming run (keys loaded from L2 ahead of demand, its length).
          num("actorcache_heal_drops", t("heal_drops"));
          num("actorcache_disowned_drops", t("disowned_drops"));
          num("actorcache_warming_keys", t("warming_keys"));
          num("actorcache_warming_ms", static_cast<int64_t>(rep.totals["warming_seconds"] * 1000));
          num("actorcache_warming_in_progress", t("warming_in_progress"));
          num("actorcache_warming_listed", t("warming_listed"));
          num("actorcache_warming_saved", t("warming_saved"));
          text += "\r\n";
        }
        if (want("keyspace")) {
          text += "# Keyspace\r\n";
          line("db0", "keys=" + std::to_string(t("entries"))
                        + ",expires=" + std::to_string(t("entries")) + ",avg_ttl=0");
        }
        std::string out;
        resp::bulk(out, text);
        deliver(self, slot, std::move(out));
      },
      fail_slot(self, slot));
}

/// Every argument a command names as a key, checked; "" when all are fine.

} // namespace ac::resp_cmd
