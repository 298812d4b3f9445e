// The one place that registers every message type, so nodes, clients and consoles agree on the wire.
#pragma once

#include <caf/actor_system_config.hpp>

namespace ac {

/// Registers every message type, typed handle and error category of actorcache with `cfg`.
/// Every program (node, client, console) and every test's actor system calls it.
void register_types(caf::actor_system_config& cfg);

} // namespace ac
