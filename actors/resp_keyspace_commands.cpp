// RESP commands on a node's whole keyspace (its L1, not the cluster's): DBSIZE, SCAN, FLUSHDB.
#include <algorithm>
#include <chrono>

#include "actors/resp_command_parts.hpp"
#include "actors/stats_helpers.hpp"
#include "core/scan_cursor.hpp"
#include "messages/kind_stats.hpp"

namespace ac::resp_cmd {

void cmd_dbsize(self_ptr self, const route_snapshot& snap) {
  auto slot = open_slot(self);
  auto [g, on_err] = open_gather(self, slot, snap.shards.size());
  for (auto& s : snap.shards)
    self->request(s, std::chrono::seconds(5), stats_atom::value)
      .then(
        [self, slot, g = g](std::vector<actor_stats>& rows) {
          if (g->add(rows.empty() ? 0 : stats_of<shard_stats>(rows[0]).entries))
            deliver(self, slot, int_reply(g->total));
        },
        on_err);
}

void cmd_scan(self_ptr self, const route_snapshot& snap, std::vector<std::string>& argv) {
  int64_t cursor = 0;
  if (!resp::parse_int(argv[1], cursor) || cursor < 0)
    return reply_error(self, "ERR invalid cursor");
  std::string pattern = "*";
  int64_t count = 10;
  for (size_t i = 2; i < argv.size(); i += 2) {
    auto opt = resp::to_lower(argv[i]);
    if (i + 1 >= argv.size())
      return reply_error(self, "ERR syntax error");
    if (opt == "match") {
      pattern = argv[i + 1];
    } else if (opt == "count") {
      if (!resp::parse_int(argv[i + 1], count) || count < 1)
        return reply_error(self, "ERR value is not an integer or out of range");
    } else {
      return reply_error(self, "ERR syntax error");
    }
  }
  auto shard = scan_shard_of(static_cast<uint64_t>(cursor));
  if (shard >= snap.shards.size())
    return reply_error(self, "ERR invalid cursor");
  auto shards = snap.shards.size();
  auto slot = open_slot(self);
  self
    ->request(snap.shards[shard], self->state.env->request_timeout, scan_atom::value,
              scan_in_shard(static_cast<uint64_t>(cursor)), pattern,
              static_cast<uint32_t>(std::min<int64_t>(count, 10000)))
    .then(
      [self, slot, shard, shards](scan_page& page) {
        std::string out;
        resp::array(out, 2);
        resp::bulk(out, std::to_string(next_scan_cursor(shard, shards, page.cursor)));
        resp::array(out, page.keys.size());
        for (const auto& k : page.keys)
          resp::bulk(out, k);
        deliver(self, slot, std::move(out));
      },
      fail_slot(self, slot));
}

void cmd_flushdb(self_ptr self, const route_snapshot& snap, std::vector<std::string>& argv) {
  if (argv.size() > 2
      || (argv.size() == 2 && resp::to_lower(argv[1]) != "async"
          && resp::to_lower(argv[1]) != "sync"))
    return reply_error(self, "ERR syntax error");
  auto slot = open_slot(self);
  auto [g, on_err] = open_gather(self, slot, snap.shards.size());
  for (auto& s : snap.shards)
    self->request(s, self->state.env->request_timeout, flush_atom::value)
      .then(
        [self, slot, g = g](uint64_t) {
          if (g->add())
            deliver(self, slot, "+OK\r\n");
        },
        on_err);
}

} // namespace ac::resp_cmd
