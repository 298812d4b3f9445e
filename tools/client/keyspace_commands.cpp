// actorcache-client's exists and ttl: what the key's owner knows of a key, without loading it.
#include "tools/client/commands.hpp"

#include <iostream>

#include "clients/cpp/one_shot.hpp"
#include "core/human_format.hpp"
#include "io/json.hpp"
#include "messages/errors.hpp"

namespace ac {

namespace {

caf::expected<int64_t> ask_owner(client_context& ctx, key_op op, const std::string& key) {
  return run_one_shot<int64_t>(
    ctx.sys, ctx.directory, ctx.map, ctx.cfg.timeout,
    [op, key](cluster_client& c, auto done) { c.keyspace(op, key, 0, std::move(done)); });
}

} // namespace

int cmd_exists(client_context& ctx, const std::vector<std::string>& args) {
  if (args.size() != 1)
    return fail("usage: exists KEY [--json]");
  auto r = ask_owner(ctx, key_op::exists, args[0]);
  if (!r)
    return fail(r.error());
  print_result(ctx, {{"key", json_text(args[0])}, {"exists", *r == 1}}, *r == 1 ? "1" : "0");
  return *r == 1 ? 0 : 1;
}

int cmd_ttl(client_context& ctx, const std::vector<std::string>& args) {
  if (args.size() != 1)
    return fail("usage: ttl KEY [--json]");
  auto r = ask_owner(ctx, key_op::pttl, args[0]);
  if (!r)
    return fail(r.error());
  // Redis's PTTL answers: ms left, -1 for no expiry, -2 for an absent key.
  if (ctx.cfg.json) {
    json doc{{"key", json_text(args[0])}, {"exists", *r != -2}};
    doc["ttl_ms"] = *r >= 0 ? json(*r) : json(nullptr);
    std::cout << dump_json(doc) << "\n";
  } else if (*r == -2) {
    std::cout << "absent\n";
  } else if (*r == -1) {
    std::cout << "no expiry\n";
  } else {
    std::cout << format_duration_us(static_cast<double>(*r) * 1000) << "\n";
  }
  return *r == -2 ? 1 : 0;
}

} // namespace ac
