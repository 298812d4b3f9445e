// The commands of the RESP edge: each takes a parsed request of one session and sends it to the key's shard or owner, replying in a slot.
#pragma once

#include <string>
#include <vector>

#include "actors/resp_session.hpp"

namespace ac {

/// Runs one command of `self`'s connection: opens its reply slot at once (so replies keep the
/// request order) and fills it now or when the shard, owner or lease keeper answers.
void run_command(resp_session_actor* self, std::vector<std::string>& argv);

/// The RESP error text of a node error: `CODE reason` (e.g. "KEYTOOLONG key of 600 bytes ...").
std::string resp_error_text(const caf::error& err);

} // namespace ac
