// A client's connection to a node's fast lookup port: its batcher writes request frames, a reader thread hands the answers back.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <caf/actor.hpp>
#include <caf/atom.hpp>

#include "net/tcp_socket.hpp"

namespace ac {

/// To the owner: (fast_answer_atom, uint64_t id, lookup_results) for a request's results.
using fast_answer_atom = caf::atom_constant<caf::atom("fastans")>;
/// To the owner: (fast_failed_atom, uint64_t id, uint8_t errc code, std::string reason).
using fast_failed_atom = caf::atom_constant<caf::atom("fastfail")>;
/// To the owner: the connection ended (node gone, socket error, or a malformed answer).
using fast_lost_atom = caf::atom_constant<caf::atom("fastlost")>;

class fast_link {
public:
  /// Connects to host:port (bounded by `timeout`) and starts the reader; nullptr and `err`
  /// when the node cannot be reached there.
  static std::unique_ptr<fast_link> open(const std::string& host, uint16_t port,
                                         caf::actor owner, std::chrono::milliseconds timeout,
                                         std::string& err);
  /// Closes the socket and joins the reader.
  ~fast_link();

  fast_link(const fast_link&) = delete;
  fast_link& operator=(const fast_link&) = delete;

  /// Queues one request frame and writes what the socket takes now (never blocks).
  send_buffer::status send(uint64_t id, bool routed, uint64_t epoch,
                           const std::vector<std::string>& keys);
  /// Writes what is still queued.
  send_buffer::status flush() { return out_.flush(fd_); }

private:
  explicit fast_link(int fd) : fd_(fd) {}
  void read_answers(caf::actor owner);

  int fd_;
  send_buffer out_;
  std::thread reader_;
};

} // namespace ac
