// A wait on an actor of another node: recorded in a watch_list, with one CAF monitor per target.
#pragma once

#include <cstdint>
#include <utility>

#include <caf/actor_addr.hpp>

#include "core/watch_list.hpp"

namespace ac {

/// Which actor a wait is on and the ticket its answer settles (watch_list::settle).
struct remote_wait {
  caf::actor_addr target;
  uint64_t id;
};

/// Records `wait` on `target` and monitors `target` on its first wait. CAF answers nothing
/// when a remote node dies, so its down message (or the asker's sweep) ends the wait instead.
/// One monitor per target: a monitor outlives the waits, and one per request would pile up on
/// the peer's proxy.
template <class Self, class Target, class Wait, class W>
remote_wait watch_remote(Self* self, watch_list<caf::actor_addr, Wait>& waits, const Target& target,
                         W&& wait) {
  auto addr = target.address();
  auto ticket = waits.add(addr, std::forward<W>(wait));
  if (ticket.monitor)
    self->monitor(target);
  return {std::move(addr), ticket.id};
}

} // namespace ac
