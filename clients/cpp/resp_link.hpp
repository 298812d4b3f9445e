// A client's plain-TCP connection to a node's RESP port: its batcher writes MGETs, a reader thread hands the replies back in order.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <caf/actor.hpp>
#include <caf/atom.hpp>

#include "net/tcp_socket.hpp"

namespace ac {

/// To the owner: (resp_answer_atom, uint64_t id, lookup_results) for a request's results.
using resp_answer_atom = caf::atom_constant<caf::atom("respans")>;
/// To the owner: (resp_failed_atom, uint64_t id, uint8_t errc code, std::string reason).
using resp_failed_atom = caf::atom_constant<caf::atom("respfail")>;
/// To the owner: the connection ended (node gone, socket error, or a malformed reply).
using resp_lost_atom = caf::atom_constant<caf::atom("resplost")>;

/// Maps the code word of a RESP error reply ("KEYTOOLONG", ...) to the errc the node meant;
/// a word it does not know is bad_request.
uint8_t errc_of_resp_code(const std::string& code);

class resp_link {
public:
  /// Connects to host:port, checks with a PING that a RESP server answers there without
  /// asking for AUTH (both bounded by `timeout`) and starts the reader; nullptr and `err`
  /// otherwise.
  static std::unique_ptr<resp_link> open(const std::string& host, uint16_t port, caf::actor owner,
                                         std::chrono::milliseconds timeout, std::string& err);
  /// Closes the socket and joins the reader.
  ~resp_link();

  resp_link(const resp_link&) = delete;
  resp_link& operator=(const resp_link&) = delete;

  /// Queues `MGET keys...` for request `id` and writes what the socket takes now (never
  /// blocks). The reply comes back as resp_answer_atom or resp_failed_atom with that id.
  send_buffer::status send(uint64_t id, const std::vector<std::string>& keys);
  /// Writes what is still queued.
  send_buffer::status flush() { return out_.flush(fd_); }

private:
  explicit resp_link(int fd) : fd_(fd) {}
  void read_replies(caf::actor owner);
  bool next_id(uint64_t& id);

  int fd_;
  send_buffer out_;
  std::mutex mtx_;
  std::deque<uint64_t> ids_; // ids of the requests sent, oldest first: RESP replies in order
  std::thread reader_;
};

} // namespace ac
