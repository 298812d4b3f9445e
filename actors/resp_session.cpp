// One client connection on the node's RESP port (see resp_session.hpp).
#include "actors/resp_session.hpp"

#include <algorithm>
#include <cerrno>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include "actors/resp_commands.hpp"
#include "actors/resp_session_io.hpp"
#include "core/resp_reply.hpp"

namespace ac {

namespace {

using self_ptr = resp_session_actor*;

// -- lifecycle ------------------------------------------------------------------------------

/// Holds the lane while the session touches its state, and marks it idle again at the end
/// when the loop may serve the socket (nested guards: the outermost one's verdict stands).
class lane_guard {
public:
  explicit lane_guard(self_ptr self) : st_(self->state) {
    if (st_.lane) {
      lock_ = std::unique_lock<std::recursive_mutex>{st_.lane->mutex};
      st_.lane->idle = false;
    }
  }
  ~lane_guard() {
    if (st_.lane && st_.lane->session == &st_)
      st_.lane->idle = may_idle(st_);
  }
  lane_guard(const lane_guard&) = delete;
  lane_guard& operator=(const lane_guard&) = delete;

private:
  /// Nothing owed, unwritten or left over: the next request may be served by the loop. TLS
  /// sessions never are (their SSL object stays with the session).
  static bool may_idle(const resp_session_state& st) {
    // Not before AUTH: the loop parses a batch before it runs any, and a connection that has not
    // authenticated reads under small limits (one command at a time, as the session reads, lets
    // a pipelined AUTH lift them before the next command is parsed).
    return st.fd >= 0 && st.ssl == nullptr && st.handshaken && st.authed && !st.closing
           && !st.peer_gone && !st.paused && !replies_owed(st) && !output_pending(st)
           && st.stash.empty();
  }

  resp_session_state& st_;
  std::unique_lock<std::recursive_mutex> lock_;
};

void close_now(self_ptr self) {
  auto& st = self->state;
  if (st.fd < 0)
    return;
  if (st.lane) {
    std::lock_guard<std::recursive_mutex> guard{st.lane->mutex};
    st.lane->session = nullptr; // the loop never touches this state again
    st.lane->idle = false;
  }
  if (st.loop.forget)
    st.loop.forget(st.fd);
  ::epoll_ctl(st.loop.epoll_fd, EPOLL_CTL_DEL, st.fd, nullptr);
  if (st.ssl != nullptr) {
    if (!st.peer_gone)
      SSL_shutdown(st.ssl);
    SSL_free(st.ssl);
    st.ssl = nullptr;
  }
  ::close(st.fd);
  st.fd = -1;
  st.env->counters->open.fetch_sub(1, std::memory_order_relaxed);
  // A monitor stays on the peer's front after this session ends (CAF does not remove it): one per
  // connection that ever forwarded a GET would pile up there with short-lived connections.
  st.remote_waits.for_each_target([self](const caf::actor_addr& a) { self->demonitor(a); });
  self->quit();
}

/// Closes once nothing more can or needs to be written.
void close_if_done(self_ptr self) {
  auto& st = self->state;
  if (st.fd < 0)
    return;
  if (st.peer_gone || (st.closing && !replies_owed(st) && !output_pending(st)))
    close_now(self);
}

/// Reading paused for too many commands in flight resumes once replies drained: the socket
/// is edge-triggered, so no new event would come for bytes already waiting.
void resume_if_paused(self_ptr self) {
  auto& st = self->state;
  if (st.paused && st.slots.size() < st.env->max_inflight / 2 && !st.closing) {
    st.paused = false;
    self->send(self, resp_ready_atom::value);
  }
}

/// Writes what is in order and ready; a client with too much unread is cut off.
void write_out(self_ptr self) {
  auto& st = self->state;
  if (st.fd < 0 || !st.handshaken)
    return;
  if (!st.peer_gone && write_pending(st) == resp_io::closed)
    st.peer_gone = true;
  if (!output_pending(st)) {
    st.out.clear();
    st.out_sent = 0;
  } else if (st.out.size() - st.out_sent > st.env->max_pending_bytes) {
    spdlog::warn("resp: a client left {} bytes of replies unread, disconnecting it",
                 st.out.size() - st.out_sent);
    st.env->counters->cut_off.fetch_add(1, std::memory_order_relaxed);
    st.peer_gone = true;
  } else if (st.out_sent > (1u << 20)) {
    st.out.erase(0, st.out_sent); // keep the buffer from growing with what is gone
    st.out_sent = 0;
  }
  close_if_done(self);
  resume_if_paused(self);
}

/// Moves every reply that is now in order into the output buffer.
void gather_ready(resp_session_state& st) {
  while (!st.slots.empty() && st.slots.front().has_value()) {
    st.parked_bytes -= st.slots.front()->size();
    if (st.out.empty())
      st.out = std::move(*st.slots.front());
    else
      st.out.append(*st.slots.front());
    st.slots.pop_front();
    ++st.first_slot;
  }
  st.slot_deadlines.trim([&st](uint64_t slot) { return slot >= st.first_slot; });
  st.order.trim(st.first_slot);
}

/// Writes now, or once the replies already queued in the mailbox are in too (one write for a
/// pipeline's burst of replies instead of one each).
void schedule_write(self_ptr self) {
  auto& st = self->state;
  // Within one read, replies wait for on_ready's single write (one send for a pipeline's
  // replies), unless they pile up: then out they go, and a client that reads nothing is cut
  // off here rather than after the whole read.
  if (st.reading) {
    if (st.out.size() - st.out_sent >= write_early_bytes)
      write_out(self);
    return;
  }
  if (self->mailbox().empty()) {
    write_out(self);
  } else if (!st.flush_queued) {
    st.flush_queued = true;
    self->send(self, resp_flush_atom::value);
  }
}

void handshake(self_ptr self) {
  auto& st = self->state;
  ERR_clear_error();
  auto r = SSL_accept(st.ssl);
  if (r == 1) {
    st.handshaken = true;
    return;
  }
  auto e = SSL_get_error(st.ssl, r);
  if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE)
    return; // the next edge (more bytes, or room to write) brings us back
  char why[256] = "handshake failed";
  if (auto code = ERR_peek_error())
    ERR_error_string_n(code, why, sizeof why);
  spdlog::info("resp: TLS handshake refused: {}", why);
  st.peer_gone = true;
  close_now(self);
}

/// Answers a request the reader cannot parse after what is owed, and closes: the stream
/// cannot be resynchronized.
void protocol_error(self_ptr self, const std::string& err) {
  auto& st = self->state;
  st.env->counters->dropped.fetch_add(1, std::memory_order_relaxed);
  st.env->counters->errors.fetch_add(1, std::memory_order_relaxed);
  if (st.env->errors)
    st.env->errors->add(0);
  std::string reply;
  resp::error(reply, err);
  deliver(self, open_slot(self), std::move(reply));
  st.closing = true;
}

bool stopped(const resp_session_state& st) { return st.closing || st.peer_gone || st.fd < 0; }

/// Runs what the loop left, and a command that waited for an earlier one's answer (in order,
/// before anything still in the reader); false when the connection stops reading or a command
/// waits again.
bool run_stash(self_ptr self) {
  auto& st = self->state;
  while (!st.stash.empty() && !stopped(st) && !st.held_on) {
    auto cmd = std::move(st.stash.front());
    st.stash.pop_front();
    if (!cmd.protocol_error.empty())
      protocol_error(self, cmd.protocol_error);
    else
      run_stashed(self, cmd);
  }
  if (stopped(st))
    st.stash.clear();
  return !stopped(st) && !st.held_on;
}

/// Runs every complete command the reader holds; false when the connection stops reading.
bool run_buffered(self_ptr self) {
  auto& st = self->state;
  std::vector<std::string> argv;
  std::string err;
  for (;;) {
    auto s = st.reader->next(argv, err);
    if (s == resp::request_reader::status::incomplete)
      return true;
    if (s == resp::request_reader::status::error) {
      protocol_error(self, err);
      return false;
    }
    run_command(self, argv);
    if (stopped(st) || st.held_on)
      return false; // held: deliver() brings the session back once its turn came
  }
}

/// Reads what the socket has and runs every complete command.
void read_in(self_ptr self) {
  auto& st = self->state;
  if (!run_buffered(self))
    return;
  char buf[64 * 1024];
  // A bounded number of reads per turn: one busy client cannot hold a scheduler thread.
  for (int round = 0; round < 16 && !st.closing; ++round) {
    if (st.slots.size() >= st.env->max_inflight) {
      st.paused = true; // resume_if_paused() reads on once replies drained
      return;
    }
    size_t got = 0;
    auto r = read_some(st, buf, sizeof buf, got);
    if (r == resp_io::again)
      return;
    if (r == resp_io::eof) {
      // The client sends no more, but may still read: the replies it is owed go out first
      // (close_if_done), as Redis answers `printf 'PING\r\n' | nc -N`.
      st.closing = true;
      return;
    }
    if (r == resp_io::closed) {
      st.closing = true;
      st.peer_gone = true;
      return;
    }
    st.reader->feed(buf, got);
    if (!run_buffered(self))
      return;
  }
  // Still more to read: come back after the other actors of this thread had their turn.
  self->send(self, resp_ready_atom::value);
}

void on_ready(self_ptr self) {
  auto& st = self->state;
  if (st.fd < 0)
    return;
  if (!st.handshaken) {
    handshake(self);
    if (!st.handshaken)
      return;
  }
  st.reading = true;
  if (run_stash(self))
    read_in(self);
  st.reading = false;
  if (!st.forwards.empty())
    send_forwarded_gets(self); // this read's GETs for other nodes, one message per owner
  gather_ready(st);
  write_out(self);
}

} // namespace

resp_session_state::~resp_session_state() {
  if (!lane)
    return;
  std::lock_guard<std::recursive_mutex> guard{lane->mutex};
  if (lane->session == this) {
    lane->session = nullptr;
    lane->idle = false;
  }
}

uint64_t open_slot(resp_session_actor* self, std::chrono::milliseconds timeout) {
  auto& st = self->state;
  st.slots.emplace_back();
  auto slot = st.first_slot + st.slots.size() - 1;
  st.slot_deadlines.push(ac_clock::now() + timeout, slot);
  arm_sweep(self);
  return slot;
}

uint64_t open_slot(resp_session_actor* self) {
  return open_slot(self, self->state.env->request_timeout);
}

void deliver(resp_session_actor* self, uint64_t slot, std::string reply) {
  lane_guard guard{self}; // also called from response handlers
  auto& st = self->state;
  if (slot < st.first_slot || slot - st.first_slot >= st.slots.size())
    return;
  auto& parked = st.slots[slot - st.first_slot];
  if (parked) // answered twice (a late error after an answer): the last one stands
    st.parked_bytes -= parked->size();
  st.parked_bytes += reply.size();
  parked = std::move(reply);
  if (!st.barriers.empty())
    st.barriers.erase(std::remove(st.barriers.begin(), st.barriers.end(), slot), st.barriers.end());
  if (st.held_on == slot) { // the held command's turn: run it, and read on
    st.held_on.reset();
    self->send(self, resp_ready_atom::value);
  }
  if (slot == st.first_slot) {
    gather_ready(st);
    schedule_write(self);
  } else if (st.parked_bytes + (st.out.size() - st.out_sent) > st.env->max_pending_bytes
             && !st.peer_gone) {
    // Replies pile up behind one that has not come: the client cannot read them yet, and they
    // count against its bound all the same (Redis's output-buffer limit counts them too).
    spdlog::warn("resp: {} bytes of replies wait behind an earlier one, disconnecting the client",
                 st.parked_bytes);
    st.env->counters->cut_off.fetch_add(1, std::memory_order_relaxed);
    st.peer_gone = true;
    close_if_done(self);
  }
}

void close_after_replies(resp_session_actor* self) { self->state.closing = true; }

caf::behavior resp_session(resp_session_actor* self, resp_socket sock, resp_loop_link loop,
                           std::shared_ptr<const resp_env> env, std::shared_ptr<resp_lane> lane) {
  auto& st = self->state;
  if (lane) {
    std::lock_guard<std::recursive_mutex> guard{lane->mutex};
    lane->session = &st; // idle stays false until the first message was handled
    st.lane = std::move(lane);
  }
  st.fd = sock.fd;
  st.ssl = sock.ssl;
  st.handshaken = sock.ssl == nullptr;
  st.loop = std::move(loop);
  // Until AUTH, Redis's small limits: a client without the password cannot make the node buffer
  // a huge request before it is refused.
  st.reader = std::make_unique<resp::request_reader>(
    env->password.empty() ? env->limits : resp::unauthenticated_limits);
  st.authed = env->password.empty();
  st.routes = route_reader{env->routes};
  st.env = std::move(env);
  self->set_exit_handler([self](caf::exit_msg& msg) {
    lane_guard guard{self};
    close_now(self);
    self->quit(msg.reason);
  });
  self->set_down_handler([self](caf::down_msg& dm) {
    lane_guard guard{self};
    owner_went_down(self, dm);
  });
  self->set_default_handler(caf::drop);
  return {
    [self](sweep_atom) {
      lane_guard guard{self};
      sweep_session(self);
    },
    [self](resp_ready_atom) {
      lane_guard guard{self};
      on_ready(self);
    },
    [self](resp_flush_atom) {
      lane_guard guard{self};
      self->state.flush_queued = false;
      write_out(self);
    },
    [self](resp_drain_atom) {
      lane_guard guard{self};
      self->state.closing = true;
      gather_ready(self->state);
      write_out(self);
      close_if_done(self);
    },
  };
}

} // namespace ac
