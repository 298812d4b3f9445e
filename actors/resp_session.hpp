// One client connection on the node's RESP port: reads and parses its commands, runs them, writes the replies in request order.
//
// The session owns its socket (and TLS state): an I/O loop thread watches the socket (epoll,
// edge-triggered: no re-arming syscall per request) and tells the session it is ready; the
// session reads, parses with hiredis's reader, sends each command to the key's shard (or the
// front, for keys of other nodes), and writes the replies itself.
//
// One shortcut, the one Redis and Dragonfly take: while a plain-TCP session is idle (no reply
// owed, nothing unwritten), the loop that saw the socket ready serves it itself: it reads,
// answers GET and MGET hits of keys this node owns from the shard stores (shard_store.hpp),
// and writes, with no message and no second thread woken. The first command it cannot answer
// (a miss, another node's key, any other command) it leaves to the session, which runs it
// and everything after it. Session and loop hand the state over under the lane's mutex
// (resp_lane): the session's handlers hold it, the loop only try-locks it, and the loop
// touches the state only while the session marked itself idle.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <caf/atom.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/stateful_actor.hpp>

#include "actors/route_view.hpp"
#include "core/connection_order.hpp"
#include "core/deadline_queue.hpp"
#include "core/error_tally.hpp"
#include "core/resp_command_table.hpp"
#include "core/watch_list.hpp"
#include "messages/front_actor.hpp"
#include "messages/lease_actor.hpp"
#include "messages/lookup.hpp"
#include "net/resp_reader.hpp"

typedef struct ssl_st SSL;
typedef struct ssl_ctx_st SSL_CTX;

namespace ac {

/// From an I/O loop: the socket is readable or writable (or closed); the loop disarmed it.
using resp_ready_atom = caf::atom_constant<caf::atom("respready")>;
/// From the listener: the node drains; finish what was asked, write it, close.
using resp_drain_atom = caf::atom_constant<caf::atom("respdrain")>;
/// To itself: write the replies gathered during this burst of messages.
using resp_flush_atom = caf::atom_constant<caf::atom("respflush")>;

/// What the RESP edge did; the node's "resp" stats row and Prometheus read these.
struct resp_counters {
  std::atomic<uint64_t> connections{0}; ///< accepted since start
  std::atomic<int64_t> open{0};         ///< connections open now
  std::atomic<uint64_t> commands{0};    ///< commands run
  std::atomic<uint64_t> errors{0};      ///< error replies sent
  std::atomic<uint64_t> dropped{0};     ///< connections closed for protocol errors
  std::atomic<uint64_t> refused{0};     ///< connections refused over resp.max-clients
  std::atomic<uint64_t> cut_off{0};     ///< clients disconnected for leaving replies unread
  std::atomic<uint64_t> inline_hits{0}; ///< L1 hits answered on the session's thread (no shard hop)
  std::atomic<uint64_t> loop_commands{
    0}; ///< GET/MGET hits answered by an I/O loop (no actor at all)
  /// Commands that waited for an earlier one of their connection (core/connection_order).
  std::atomic<uint64_t> ordered_waits{0};
  /// Commands run, by command_id (Prometheus: per command family).
  std::array<std::atomic<uint64_t>, 64> by_command{};
};

/// The I/O loop a socket is registered with (edge-triggered): forgotten there when it closes.
struct resp_loop_link {
  int epoll_fd = -1;
  std::function<void(int fd)> forget; ///< called before the session closes fd
};

/// What every session of a node shares (read-only after start, but for the counters).
struct resp_env {
  std::string node_id;
  std::string node_host;
  uint16_t resp_port = 0;
  uint32_t cores = 0;             ///< the cores the node sizes itself by (INFO server section)
  uint32_t io_loops = 0;          ///< its RESP I/O loops
  uint32_t scheduler_threads = 0; ///< its CAF scheduler's workers (the actors' threads)
  uint32_t shards = 0;            ///< its shard actors
  front_actor front;
  lease_actor leases; ///< the node's lease keeper (AC.GETORLEASE ...)
  std::shared_ptr<route_view> routes;
  std::string password;                 ///< resp.password ("" = none)
  size_t max_keys = 10000;              ///< resp.max-keys
  uint32_t max_key_bytes = 512;         ///< cache.max-key-bytes
  uint32_t max_value_bytes = 1 << 20;   ///< cache.max-value-bytes
  uint32_t default_ttl_s = 300;         ///< cache.default-ttl
  size_t max_pending_bytes = 64u << 20; ///< unread reply bytes before a client is cut off
  std::chrono::milliseconds request_timeout{60000}; ///< bound on one request to a shard or peer
  size_t max_inflight = 4096; ///< commands of one connection in flight before reading pauses
  resp::reader_limits limits;
  std::shared_ptr<resp_counters> counters;
  std::shared_ptr<error_tally> errors; ///< the node's count of error replies (may be null)
};

struct resp_session_state;

/// What an I/O loop and the session of one socket share (see the top of this file).
struct resp_lane {
  /// Held by the session while it handles a message (recursive: its helpers take it again),
  /// try-locked by the loop: a busy session is told by message instead.
  std::recursive_mutex mutex;
  resp_session_state* session = nullptr; ///< guarded; null once the session closed
  bool idle = false;                     ///< guarded: the loop may serve the socket itself now
};

/// A command the loop parsed but left to the session (in order, before anything still buffered).
struct stashed_command {
  std::vector<std::string> argv;
  std::optional<lookup_results> hits; ///< MGET: the hits the loop found (counted) for the rest
  std::string protocol_error;         ///< instead of a command: the reader's error, then close
  bool held = false; ///< waited for an earlier command already (counted once in ordered_waits)
};

struct resp_session_state {
  ~resp_session_state();
  int fd = -1;
  SSL* ssl = nullptr;      ///< TLS only
  bool handshaken = false; ///< TLS handshake done (always true without TLS)
  resp_loop_link loop;
  std::shared_ptr<const resp_env> env;
  std::unique_ptr<resp::request_reader> reader;
  bool authed = false;
  std::string client_name;
  // Replies in request order: slot i of `slots` is request first_slot + i; a reply that comes
  // early waits in its slot until every earlier one is in.
  std::deque<std::optional<std::string>> slots;
  uint64_t first_slot = 0;
  /// Bytes of the replies waiting in `slots` for an earlier one: counted with the unsent output
  /// against resp.max-pending-bytes, or a slow command at the head of a pipeline would let the
  /// replies behind it grow without bound.
  size_t parked_bytes = 0;
  /// Replies owed by another node, by that node's front, monitored: forwarded GETs and MGETs,
  /// AC.GETORLEASE callers (who may wait 3 x lease-ms). CAF answers nothing from a dead node, so
  /// when it goes down their slots are answered at once (owner_went_down), not at the timeout.
  watch_list<caf::actor_addr, std::vector<uint64_t>> remote_waits;
  /// When each open slot's reply is overdue: request_timeout after it opened (an AC.GETORLEASE
  /// longer: its wait). Requests to this node's own actors carry no CAF timeout (each would wake
  /// CAF's clock thread twice); the sweep answers an overdue slot with the timeout error instead
  /// (core/deadline_queue; a slot behind a longer one expires with it, its reply could not
  /// leave earlier anyway).
  deadline_queue slot_deadlines;
  bool sweep_armed = false; ///< a sweep_atom is on its way (sweep_session)
  /// Slots still owed by commands other than GET and MGET (a SET on its way to the shard):
  /// while one is, reads take the message path so they see its effect, as Redis guarantees
  /// within a connection. Owed reads are no such barrier: a hit behind a miss is answered at
  /// once into its slot, which still leaves in order.
  std::vector<uint64_t> barriers;
  /// Earlier commands whose path a later one could overtake: a read that may reach Redis or a
  /// loader, a write relayed through the lease keeper (core/connection_order).
  connection_order order;
  /// The slot the command at the stash's front waits for: nothing is read or run until it is
  /// answered (deliver), as Redis runs a connection's commands one after another.
  std::optional<uint64_t> held_on;
  bool rerun = false;     ///< the command running now waited before (core/connection_order)
  std::string out;        ///< bytes ready for the socket
  size_t out_sent = 0;    ///< bytes of `out` already written
  bool closing = false;   ///< read nothing more; close once the replies are out
  bool peer_gone = false; ///< the client closed or broke: nothing can be written
  bool flush_queued = false;
  bool paused = false;  ///< stopped reading: too many commands in flight
  bool reading = false; ///< running the commands of one read: replies are written after it
  std::shared_ptr<resp_lane> lane;   ///< shared with the I/O loop (null: the loop never serves)
  std::deque<stashed_command> stash; ///< left by the loop for the session to run first
  /// GETs of keys another node owns, held while one read's commands run and then sent as one
  /// routed get_many per owner (send_forwarded_gets): a pipeline of GETs through a non-owner
  /// costs a message per owner, as an MGET does, not one per GET. Any other command sends them
  /// first, so nothing the connection asks later overtakes them.
  struct forwarded_gets {
    front_actor peer;
    uint64_t epoch = 0;
    std::vector<std::string> keys;
    std::vector<uint64_t> slots;
  };
  std::vector<forwarded_gets> forwards;
  /// The node's routes as this session last saw them (the loop serving it reads them too).
  route_reader routes;
  static inline const char* name = "resp_session";
};

using resp_session_actor = caf::stateful_actor<resp_session_state>;

/// An accepted client socket and its TLS session (null without TLS). A struct, because CAF's
/// spawn inspects pointer arguments' pointee types, and SSL is incomplete here.
struct resp_socket {
  int fd = -1;
  SSL* ssl = nullptr;
};

/// Owns the socket (and its TLS session) from now on; the loop registered it (edge-triggered)
/// and tells the session when it is ready, or serves it itself through `lane`.
caf::behavior resp_session(resp_session_actor* self, resp_socket sock, resp_loop_link loop,
                           std::shared_ptr<const resp_env> env, std::shared_ptr<resp_lane> lane);

/// The loop's side of the shortcut: called with `lane.mutex` held and `lane.idle` set. Reads
/// the socket and answers what it can; true when the session may stay idle, false when it must
/// take over (a command left in its stash, unwritten replies, more to read, the peer gone):
/// the caller then clears `idle` and tells the session. `hangup`: epoll reported the peer's
/// end (EPOLLRDHUP/HUP/ERR), so the loop reads to the end instead of stopping at a short read.
bool serve_on_loop(resp_session_state& st, bool hangup);

// -- used by the command layer (actors/resp_commands) ---------------------------------------

/// A reply slot for the next request, in order; answered with the timeout error should nothing
/// else answer it within `timeout` (resp_session_state::slot_deadlines).
uint64_t open_slot(resp_session_actor* self, std::chrono::milliseconds timeout);

/// The same, due after the edge's request_timeout.
uint64_t open_slot(resp_session_actor* self);

/// Fills a slot with its reply bytes; writes what is now in order.
void deliver(resp_session_actor* self, uint64_t slot, std::string reply);

/// Read nothing more; close once every reply is written (QUIT).
void close_after_replies(resp_session_actor* self);

} // namespace ac
