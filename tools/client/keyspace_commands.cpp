// actorcache-client's exists and ttl: what the key's owner knows of a key, without loading it.
#include "tools/client/commands.hpp"

#include <iostream>

#include "core/human_format.hpp"
#include "io/json.hpp"
#include "messages/errors.hpp"

namespace ac {

namespace {

/// A request for what the key's owner knows of the key (key_op), without loading it.
auto ask_owner(key_op op) {
  return [op](cluster_client& c, const std::string& key, auto done) {
    c.keyspace(op, key, 0, std::move(done));
  };
}

} // namespace

int cmd_exists(client_context& ctx, const std::vector<std::string>& args) {
  return one_key_command<int64_t>(
    ctx, args, "usage: exists KEY [--json]", ask_owner(key_op::exists),
    [&](const std::string& key, int64_t r) {
      print_result(ctx, {{"key", json_text(key)}, {"exists", r == 1}}, r == 1 ? "1" : "0");
      return r == 1 ? 0 : 1;
    });
}

int cmd_ttl(client_context& ctx, const std::vector<std::string>& args) {
  return one_key_command<int64_t>(ctx, args, "usage: ttl KEY [--json]", ask_owner(key_op::pttl),
                                  [&](const std::string& key, int64_t r) {
                                    // Redis's PTTL answers: ms left, -1 for no expiry, -2 for an absent key.
                                    if (ctx.cfg.json) {
                                      json doc{{"key", json_text(key)}, {"exists", r != -2}};
                                      doc["ttl_ms"] = r >= 0 ? json(r) : json(nullptr);
                                      std::cout << dump_json(doc) << "\n";
                                    } else if (r == -2) {
                                      std::cout << "absent\n";
                                    } else if (r == -1) {
                                      std::cout << "no expiry\n";
                                    } else {
                                      std::cout << format_duration_us(static_cast<double>(r) * 1000)
                                                << "\n";
                                    }
                                    return r == -2 ? 1 : 0;
                                  });
}

} // namespace ac
