// actorcache-client's scan and flush: they address nodes' L1, not keys' owners.
#include "tools/client/commands.hpp"

#include <algorithm>
#include <iostream>

#include <caf/scoped_actor.hpp>

#include "core/printable_text.hpp"
#include "io/json.hpp"
#include "messages/errors.hpp"

namespace ac {

namespace {

template <class T, class... Ts>
caf::expected<T> ask(client_context& ctx, const front_actor& node, Ts... xs) {
  caf::scoped_actor self{ctx.sys};
  caf::expected<T> result{caf::error{}};
  self->request(node, ctx.cfg.timeout, xs...)
    .receive([&](T& x) { result = std::move(x); }, [&](caf::error& e) { result = std::move(e); });
  return result;
}

} // namespace

int cmd_scan(client_context& ctx, const std::vector<std::string>& args) {
  if (args.size() > 1)
    return fail("usage: scan [PATTERN] [--cursor=C] [--limit=N] [--json]");
  std::string pattern = args.empty() ? "*" : args[0];
  if (ctx.cfg.limit == 0 || ctx.cfg.limit > 100000)
    return fail("--limit must be 1..100000, not " + std::to_string(ctx.cfg.limit));
  if (!ctx.node)
    return fail("no node to scan");
  // Pages of the node's L1 until the limit is reached or the node has no more; each page is
  // bounded work at the node (its shards examine at most 1000 entries per page).
  std::vector<std::string> keys;
  uint64_t cursor = ctx.cfg.cursor;
  do {
    auto want = static_cast<uint32_t>(std::min<uint64_t>(ctx.cfg.limit - keys.size(), 10000));
    auto page = ask<scan_page>(ctx, *ctx.node, scan_atom::value, cursor, pattern, want);
    if (!page)
      return fail(page.error());
    for (auto& k : page->keys)
      keys.push_back(std::move(k));
    cursor = page->cursor;
  } while (cursor != 0 && keys.size() < ctx.cfg.limit);
  if (ctx.cfg.json) {
    json doc{{"cursor", cursor}, {"keys", json::array()}};
    for (const auto& k : keys)
      doc["keys"].push_back(json_text(k));
    std::cout << dump_json(doc) << "\n";
  } else {
    std::string out;
    for (const auto& k : keys)
      out += escape_bytes(k) + "\n";
    std::cout << out;
    if (cursor != 0)
      std::cerr << "actorcache-client: scan: stopped at --limit=" << ctx.cfg.limit
                << "; continue with --cursor=" << cursor << "\n";
  }
  return 0;
}

int cmd_flush(client_context& ctx, const std::vector<std::string>& args) {
  if (!args.empty())
    return fail("usage: flush --yes [--all] [--json]");
  if (!ctx.cfg.yes)
    return fail(
      "flush drops every entry of the node's L1 (with --all: of every member); "
      "add --yes to do it");
  std::vector<std::pair<std::string, front_actor>> targets;
  if (ctx.cfg.all) {
    for (const auto& n : ctx.map->nodes())
      targets.emplace_back(n.id, n.handle);
  } else if (ctx.node) {
    targets.emplace_back(ctx.node_id, *ctx.node);
  }
  int rc = 0;
  json nodes = json::array();
  std::string out;
  for (const auto& [id, front] : targets) {
    auto n = ask<uint64_t>(ctx, front, flush_atom::value);
    json row{{"id", json_text(id)}};
    if (n) {
      row["flushed"] = *n;
      out += "flushed " + std::to_string(*n) + " entries from the L1 of " + escape_bytes(id) + "\n";
    } else {
      rc = 2;
      row["error"] = json_text(describe(n.error()));
      std::cerr << "actorcache-client: flush " << escape_bytes(id) << ": " << describe(n.error())
                << "\n";
    }
    nodes.push_back(std::move(row));
  }
  std::cout << (ctx.cfg.json ? dump_json(json{{"nodes", std::move(nodes)}}) + "\n" : out);
  return rc;
}

} // namespace ac
