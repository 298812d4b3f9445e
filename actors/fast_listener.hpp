// The node's fast lookup port: accepts connections and reads request frames on one thread, hands them to session actors.
//
// Why not CAF's middleman: a remote request through BASP costs a hand-off to the multiplexer
// thread on each side and its write-readiness round trip; measured here at p50 93-105 us per
// 1x1 lookup against Redis's 55-63 us (bench/caf_ping, bench/RESULTS.md). This path reads the
// socket on its own thread and lets the session actor write the answer (one hop each way).
// No CAF here beyond spawning sessions and sending them what was read. There is no TLS on this
// port: with tls.enabled the node does not open it (node/publish.cpp).
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <unordered_map>

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>

#include "actors/fast_session.hpp"
#include "core/fast_frame.hpp"
#include "messages/front_actor.hpp"

namespace ac {

struct fast_listener_options {
  uint32_t max_request_bytes = 16u << 20;   ///< a larger request frame drops the connection
  size_t max_pending_answer_bytes = 64u << 20; ///< unread answers before a client is dropped
  size_t max_connections = 4096;            ///< more are closed at once
};

class fast_listener {
public:
  explicit fast_listener(fast_listener_options opts = {}) : opts_(opts) {}
  ~fast_listener();

  fast_listener(const fast_listener&) = delete;
  fast_listener& operator=(const fast_listener&) = delete;

  /// Binds host:port (0 picks a free port); false and `err` on failure.
  bool bind(const std::string& host, uint16_t port, std::string& err);
  uint16_t port() const { return port_; }

  /// Starts the reader thread; every connection gets a fast_session asking `front`.
  void start(caf::actor_system& sys, front_actor front);

  /// Stops accepting and reading, then tells every session to close once its answers are out.
  /// Idempotent; the destructor calls it.
  void stop();

  /// An actor answering stats_atom with this listener's counters (a metrics source); valid
  /// after start(), ended by stop().
  caf::actor stats_actor() const { return stats_; }

private:
  struct connection {
    int fd;
    caf::actor session;
    fast::frame_reader reader;
  };

  void run();
  void accept_all();
  void read_from(connection& c);
  void drop(int fd);

  fast_listener_options opts_;
  caf::actor_system* sys_ = nullptr;
  front_actor front_;
  int listen_fd_ = -1;
  int epoll_fd_ = -1;
  int wake_fd_ = -1;  // eventfd: stop() wakes the thread
  uint16_t port_ = 0;
  std::thread thread_;
  std::shared_ptr<fast_port_counters> counters_ = std::make_shared<fast_port_counters>();
  caf::actor stats_;
  std::unordered_map<int, std::unique_ptr<connection>> connections_;  // the thread's only
};

} // namespace ac
