// The commands of actorcache-client; each returns the process exit code (docs/interface.md).
#pragma once

#include <string>
#include <vector>

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>

#include "tools/client/client_config.hpp"
#include "tools/common/cluster_map.hpp"

namespace ac {

/// What every command needs: the system, the cluster directory and its first table.
struct client_context {
  caf::actor_system& sys;
  const client_config& cfg;
  caf::actor directory;
  cluster_map_ptr map;
};

int cmd_get(client_context& ctx, const std::vector<std::string>& args);
int cmd_put(client_context& ctx, const std::vector<std::string>& args);
int cmd_mget(client_context& ctx, const std::vector<std::string>& args);
int cmd_del(client_context& ctx, const std::vector<std::string>& args);
int cmd_load(client_context& ctx, const std::vector<std::string>& args);

} // namespace ac
