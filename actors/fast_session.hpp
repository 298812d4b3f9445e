// One client connection on the node's fast lookup port: asks the front for each request frame and writes the answer back itself.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <caf/atom.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/stateful_actor.hpp>

#include "net/tcp_socket.hpp"
#include "messages/front_actor.hpp"

namespace ac {

/// From the fast listener's reader thread: a decoded request frame (id, routed, epoch, keys).
using fast_request_atom = caf::atom_constant<caf::atom("fastreq")>;
/// From the reader thread: no more requests will come (the client left, sent junk, or the node
/// drains). The session closes the socket once its answers are out.
using fast_closed_atom = caf::atom_constant<caf::atom("fastclose")>;
/// To itself: try again to write answers the socket did not take at once.
using fast_flush_atom = caf::atom_constant<caf::atom("fastflush")>;

/// What the fast port's reader thread and sessions did; reported as the node's "fast-port" row.
struct fast_port_counters {
  std::atomic<uint64_t> connections{0};  ///< accepted since start
  std::atomic<int64_t> open{0};          ///< connections being read now
  std::atomic<uint64_t> requests{0};     ///< request frames handed to sessions
  std::atomic<uint64_t> dropped{0};      ///< connections dropped for junk or oversized frames
  std::atomic<uint64_t> refused{0};      ///< connections refused over max_connections
  std::atomic<uint64_t> cut_off{0};      ///< clients disconnected for leaving answers unread
};

struct fast_session_state {
  int fd = -1;
  front_actor front;
  send_buffer out;
  uint64_t in_flight = 0;     // requests asked of the front, not yet answered
  bool closing = false;       // the reader is done with the socket
  bool flush_queued = false;  // a fast_flush_atom is on its way
  size_t max_pending = 0;     // unread answer bytes before the client is cut off
  std::shared_ptr<fast_port_counters> counters;
  static inline const char* name = "fast_session";
};

using fast_session_actor = caf::stateful_actor<fast_session_state>;

/// Owns `fd` from now on (closes it when done); the reader thread only reads from it.
/// The session is the socket's only writer, so the answer leaves from the thread that has it:
/// no hop back to an I/O thread. Answers the socket cannot take at once wait in a buffer; a
/// client that lets more than `max_pending` bytes pile up is disconnected.
caf::behavior fast_session(fast_session_actor* self, int fd, front_actor front,
                           size_t max_pending, std::shared_ptr<fast_port_counters> counters);

} // namespace ac
