// Internal to the warmer actor (warmer*.cpp): the steps shared by its files; not for other actors.
#pragma once

#include <functional>

#include "actors/warmer.hpp"

namespace ac::warmer_impl {

using self_ptr = warmer_actor::stateful_pointer<warmer_state>;

/// Writes this node's own warming list to L2 (warmer_save.cpp); `done` gets true once Redis
/// has it.
void save(self_ptr self, const warmer_config& cfg, std::function<void(bool)> done);

} // namespace ac::warmer_impl
