// A client's plain-TCP connection to a node's RESP port: MGETs answered by a reader thread, or blocking commands one at a time.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <caf/actor.hpp>
#include <caf/atom.hpp>

#include "net/tcp_socket.hpp"

struct redisReader;

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

/// One reply to a blocking resp_link::command(), in RESP2's shapes.
struct resp_reply {
  enum class kind : uint8_t { status, error, integer, bulk, nil, array };
  kind type = kind::nil;
  std::string text;                 ///< a status, an error ("CODE reason") or a bulk's bytes
  int64_t integer = 0;              ///< an integer reply
  std::vector<resp_reply> elements; ///< an array's elements
};

class resp_link {
public:
  /// Connects to host:port, checks with a PING that a RESP server answers there without
  /// asking for AUTH (both bounded by `timeout`) and starts the reader; nullptr and `err`
  /// otherwise.
  static std::unique_ptr<resp_link> open(const std::string& host, uint16_t port, caf::actor owner,
                                         std::chrono::milliseconds timeout, std::string& err);
  /// The same connection and PING check, without a reader: the link serves blocking
  /// command() calls instead (the synchronous client's lease commands, whose lease lives as
  /// long as the connection that took it).
  static std::unique_ptr<resp_link> open_blocking(const std::string& host, uint16_t port,
                                                  std::chrono::milliseconds timeout,
                                                  std::string& err);
  /// Closes the socket and joins the reader.
  ~resp_link();

  resp_link(const resp_link&) = delete;
  resp_link& operator=(const resp_link&) = delete;

  /// Queues `MGET keys...` for request `id` and writes what the socket takes now (never
  /// blocks). The reply comes back as resp_answer_atom or resp_failed_atom with that id.
  send_buffer::status send(uint64_t id, const std::vector<std::string>& keys);
  /// Writes what is still queued.
  send_buffer::status flush() { return out_.flush(fd_); }

  /// Sends one command and waits up to `timeout` for its reply (an error reply is a reply);
  /// nullopt and `err` when the connection failed or no reply came in time: the link is out
  /// of step then and must be dropped. Only on a link from open_blocking(), one call at a time.
  std::optional<resp_reply> command(const std::vector<std::string>& args,
                                    std::chrono::milliseconds timeout, std::string& err);

private:
  explicit resp_link(int fd) : fd_(fd) {}
  void read_replies(caf::actor owner);
  bool next_id(uint64_t& id);

  int fd_;
  send_buffer out_;
  std::mutex mtx_;
  std::deque<uint64_t> ids_; // ids of the requests sent, oldest first: RESP replies in order
  std::thread reader_;
  std::shared_ptr<redisReader> sync_reader_; // command()'s parser (open_blocking links)
};

} // namespace ac
