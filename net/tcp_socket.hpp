// Plain TCP sockets: listen, connect with a timeout, and an output buffer that never blocks.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace ac {

/// A listening socket on host:port (port 0 picks a free one); -1 and `err` set on failure.
/// `bound` receives the port. The socket is non-blocking (accept in an event loop).
int tcp_listen(const std::string& host, uint16_t port, uint16_t& bound, std::string& err);

/// A connected socket with TCP_NODELAY, or -1 and `err`; gives up after `timeout`.
/// The socket is left blocking (a reader thread owns its receive side).
int tcp_connect(const std::string& host, uint16_t port, std::chrono::milliseconds timeout,
                std::string& err);

/// Small frames must leave at once: the protocol is request/response.
void set_nodelay(int fd);
void set_nonblocking(int fd);

/// Bytes waiting to go out on one socket; send() never blocks (MSG_DONTWAIT), so a peer that
/// stops reading cannot stall the writer's thread: the rest waits here for the next flush.
/// Not thread-safe: one writer per socket.
class send_buffer {
public:
  enum class status { sent, pending, broken };

  std::string& out() { return buf_; } ///< append frames here, then flush
  /// Writes as much as the socket takes now.
  status flush(int fd);
  size_t pending() const { return buf_.size() - sent_; }

private:
  std::string buf_;
  size_t sent_ = 0; // bytes of buf_ already written
};

} // namespace ac
