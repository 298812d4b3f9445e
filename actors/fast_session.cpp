// One client connection on the node's fast lookup port: asks the front for each request frame and writes the answer back itself.
#include "actors/fast_session.hpp"

#include <chrono>

#include <sys/socket.h>
#include <unistd.h>

#include <caf/message.hpp>
#include <spdlog/spdlog.h>

#include "core/fast_frame.hpp"
#include "messages/errors.hpp"

namespace ac {

namespace {

void close_when_done(fast_session_actor* self) {
  auto& st = self->state;
  if (!st.closing || st.in_flight > 0 || st.fd < 0)
    return;
  st.out.flush(st.fd); // last answers, best effort
  ::close(st.fd);
  st.fd = -1;
  self->quit();
}

// Writes what is buffered. A broken socket or a client that stopped reading gets a shutdown:
// the reader thread then sees the end of the stream and sends fast_closed_atom.
void write_out(fast_session_actor* self) {
  auto& st = self->state;
  if (st.fd < 0)
    return;
  auto status = st.out.flush(st.fd);
  if (status == send_buffer::status::broken || st.out.pending() > st.max_pending) {
    if (status != send_buffer::status::broken) {
      spdlog::warn("fast port: a client left {} bytes of answers unread, disconnecting it",
                   st.out.pending());
      st.counters->cut_off.fetch_add(1, std::memory_order_relaxed);
    }
    ::shutdown(st.fd, SHUT_RDWR);
    return;
  }
  if (status == send_buffer::status::pending && !st.flush_queued) {
    st.flush_queued = true;
    self->delayed_send(self, std::chrono::milliseconds(1), fast_flush_atom::value);
  }
}

// The client rebuilds make_error(code, reason): send the bare reason of our own errors, and
// anything else (a CAF error from a forward to a peer) as `unavailable` with its description.
fast::failure to_failure(uint64_t id, const caf::error& err) {
  if (err.category() != errc_category)
    return {id, static_cast<uint8_t>(errc::unavailable), describe(err)};
  std::string reason;
  if (err.context().match_elements<std::string>())
    reason = err.context().get_as<std::string>(0);
  return {id, err.code(), std::move(reason)};
}

} // namespace

caf::behavior fast_session(fast_session_actor* self, int fd, front_actor front,
                           size_t max_pending, std::shared_ptr<fast_port_counters> counters) {
  self->state.fd = fd;
  self->state.front = std::move(front);
  self->state.max_pending = max_pending;
  self->state.counters = std::move(counters);
  self->set_exit_handler([self](caf::exit_msg& msg) {
    auto& st = self->state;
    if (st.fd >= 0) {
      ::close(st.fd);
      st.fd = -1;
    }
    self->quit(msg.reason);
  });
  return {
    [self](fast_request_atom, uint64_t id, bool routed, uint64_t epoch,
           std::vector<std::string>& keys) {
      auto& st = self->state;
      ++st.in_flight;
      auto answered = [self](auto&& append) {
        auto& st = self->state;
        --st.in_flight;
        append(st.out.out());
        write_out(self);
        close_when_done(self);
      };
      auto on_results = [answered, id](lookup_results& rs) {
        answered([&](std::string& out) { fast::append_results(out, id, rs); });
      };
      auto on_error = [answered, id](caf::error& err) {
        answered([&](std::string& out) { fast::append_failure(out, to_failure(id, err)); });
      };
      // The client keeps its own deadlines; the front bounds what it forwards to peers.
      if (routed)
        self->request(st.front, caf::infinite, route_atom::value, get_many_atom::value,
                      std::move(keys), epoch)
          .then(on_results, on_error);
      else
        self->request(st.front, caf::infinite, get_many_atom::value, std::move(keys))
          .then(on_results, on_error);
    },
    [self](fast_closed_atom) {
      self->state.closing = true;
      close_when_done(self);
    },
    [self](fast_flush_atom) {
      self->state.flush_queued = false;
      write_out(self);
    },
  };
}

} // namespace ac
