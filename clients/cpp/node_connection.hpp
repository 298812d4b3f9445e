// Connecting the tools to a node's published front actor, with a deadline (plain or TLS).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/expected.hpp>
#include <caf/timespan.hpp>

#include "core/host_port.hpp"
#include "messages/front_actor.hpp"

namespace ac {

/// Connects to the front actor published at `hp`, blocking the caller at most `timeout`.
/// CAF's remote_actor() has no deadline and hangs on a frozen peer (notes §2), so this asks
/// the middleman actor (the openssl one when that module is loaded) directly with a timed
/// request. Call it from a thread that is not a scheduler worker (main).
caf::expected<front_actor> connect_node(caf::actor_system& sys, const host_port& hp,
                                        caf::timespan timeout);

/// The same from inside an event-based actor: `done` runs in the actor's context.
void connect_node_async(caf::event_based_actor* self, const host_port& hp, caf::timespan timeout,
                        std::function<void(caf::expected<front_actor>)> done);

/// Connects to the first of `nodes` that answers; errors are logged. The address used is
/// stored in *used (when given). Gives the last error when none answers.
caf::expected<front_actor> connect_first(caf::actor_system& sys,
                                         const std::vector<std::string>& nodes,
                                         caf::timespan timeout, std::string* used = nullptr);

} // namespace ac
