// The node's RESP port: accepts connections and spreads them over several I/O loops, each waking the sessions whose sockets are ready.
//
// Why loops of our own rather than CAF's middleman: the middleman is one multiplexer thread
// for every connection of the node, and each request through it costs a hand-off to it and
// back (bench/RESULTS.md, caf_ping). Here a loop only waits on epoll and tells a session
// its socket is ready; the session reads, parses and writes on a scheduler thread, so the
// work spreads over every core and no reply passes back through a loop.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>

#include "actors/resp_session.hpp"
#include "net/tls_server.hpp"

namespace ac {

struct resp_listener_options {
  uint32_t loops = 0;         ///< I/O loops; 0 = one per core but one (1 to 8)
  size_t max_clients = 10000; ///< resp.max-clients: more are told so and closed
  bool loop_hits = true;      ///< resp.loop-hits: loops answer idle sessions' L1 hits themselves
};

class resp_listener {
public:
  resp_listener(resp_listener_options opts, std::unique_ptr<tls_server> tls)
    : opts_(opts), tls_(std::move(tls)) {}
  ~resp_listener();
  resp_listener(const resp_listener&) = delete;
  resp_listener& operator=(const resp_listener&) = delete;

  /// Binds host:port (0 picks a free port); false and `err` on failure.
  bool bind(const std::string& host, uint16_t port, std::string& err);
  uint16_t port() const { return port_; }

  /// Starts the loops; every connection gets a resp_session with `env`.
  void start(caf::actor_system& sys, std::shared_ptr<resp_env> env);

  /// Stops accepting; tells every session to write what it owes and close. The loops go on
  /// waking sessions whose sockets are writable. Idempotent; the destructor calls it.
  void stop();

  /// Stops the loops and closes every session still open (its replies are not coming: the
  /// node's actors are gone). After stop() and the node's drain; the destructor calls it.
  void close_all();

  /// An actor answering stats_atom with the edge's counters (a metrics source).
  caf::actor stats_actor() const { return stats_; }

private:
  /// Shared with the sessions it serves (they re-arm sockets in its epoll set), so it lives
  /// until the last of them closes.
  struct loop {
    ~loop();
    int epoll_fd = -1;
    int wake_fd = -1;
    std::thread thread;
    struct entry {
      caf::actor session;
      std::shared_ptr<resp_lane> lane; // null with loop_hits off
    };
    std::mutex mutex;            // guards sessions: the loop reads, accept/close write
    std::vector<entry> sessions; // by fd
  };

  void run(loop& l, bool accepts);
  /// Serves a ready socket on this loop when its session is idle (resp_session.hpp); false
  /// when the session must be told instead. `hangup`: the event carried the peer's end.
  static bool serve(loop::entry& e, bool hangup);
  void accept_all();
  /// The sessions open now, across the loops.
  std::vector<caf::actor> sessions_now();

  resp_listener_options opts_;
  std::unique_ptr<tls_server> tls_;
  caf::actor_system* sys_ = nullptr;
  std::shared_ptr<resp_env> env_;
  int listen_fd_ = -1;
  uint16_t port_ = 0;
  bool stopped_ = false; ///< stop() ran: no more accepting
  size_t next_loop_ = 0;
  std::vector<std::shared_ptr<loop>> loops_;
  caf::actor stats_;
};

} // namespace ac
