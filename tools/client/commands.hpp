// The commands of actorcache-client; each returns the process exit code (docs/interface.md).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>

#include "clients/cpp/cluster_map.hpp"
#include "clients/cpp/one_shot.hpp"
#include "io/json.hpp"
#include "messages/front_actor.hpp"
#include "tools/client/client_config.hpp"

namespace ac {

/// What every command needs: the system, the cluster directory and its first table.
struct client_context {
  caf::actor_system& sys;
  const client_config& cfg;
  caf::actor directory;
  cluster_map_ptr map;
  std::optional<front_actor> node; ///< the first --node that answered (scan, flush)
  std::string node_id;             ///< its id in the cluster
};

/// Prints "actorcache-client: WHAT" on stderr; returns exit code 2.
int fail(const std::string& what);
int fail(const caf::error& err);

/// Prints a command's result: `doc` as one line of JSON with --json, else `text`, then a newline.
void print_result(const client_context& ctx, const json& doc, const std::string& text);

/// The frame of the commands that name one key (get, del, exists, ttl): exactly one argument
/// (else `usage`, exit 2), one request `start(client, key, done)` for it, and `show(key,
/// answer)`, which prints the answer and returns the exit code; a failed request exits 2.
template <class T, class Start, class Show>
int one_key_command(client_context& ctx, const std::vector<std::string>& args, const char* usage,
                    Start start, Show show) {
  if (args.size() != 1)
    return fail(usage);
  // The key by value: the request may outlive this frame when its answer comes too late.
  auto r = run_one_shot<T>(
    ctx.sys, ctx.directory, ctx.map, ctx.cfg.timeout,
    [key = args[0], start](cluster_client& c, auto done) { start(c, key, std::move(done)); });
  if (!r)
    return fail(r.error());
  return show(args[0], *r);
}

int cmd_get(client_context& ctx, const std::vector<std::string>& args);
int cmd_put(client_context& ctx, const std::vector<std::string>& args);
int cmd_mget(client_context& ctx, const std::vector<std::string>& args);
int cmd_del(client_context& ctx, const std::vector<std::string>& args);
int cmd_exists(client_context& ctx, const std::vector<std::string>& args);
int cmd_ttl(client_context& ctx, const std::vector<std::string>& args);
int cmd_scan(client_context& ctx, const std::vector<std::string>& args);
int cmd_flush(client_context& ctx, const std::vector<std::string>& args);
int cmd_load(client_context& ctx, const std::vector<std::string>& args);

} // namespace ac
