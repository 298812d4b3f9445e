// The console's commands over every member of a cluster: stats --all, recommendations --all,
// info, members remove.
#pragma once

#include <string>

#include "tools/console/console_common.hpp"

namespace ac::console {

/// stats --all: every member's report, and a row for each member that did not answer.
int cmd_stats_all(caf::actor_system& sys, const console_config& cfg);

/// recommendations --all: every member's recommendations.
int cmd_recommendations_all(caf::actor_system& sys, const console_config& cfg);

/// info [--all]: the summary of the first node that answers, or of every member.
int cmd_info(caf::actor_system& sys, const console_config& cfg);

/// `members remove ID`: every live member forgets the down member, so none keeps
/// reconnecting to it; refused (exit 2) when the member is alive anywhere.
int cmd_members_remove(caf::actor_system& sys, const console_config& cfg, const std::string& id);

} // namespace ac::console
