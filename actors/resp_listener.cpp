// The node's RESP port (see resp_listener.hpp).
#include "actors/resp_listener.hpp"

#include <cerrno>
#include <cstring>

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/ssl.h>
#include <spdlog/spdlog.h>
#include <caf/event_based_actor.hpp>
#include <caf/send.hpp>

#include "core/sizing_rules.hpp"
#include "messages/kind_stats.hpp"
#include "messages/stats.hpp"
#include "net/tcp_socket.hpp"

namespace ac {

namespace {

caf::behavior resp_stats_source(caf::event_based_actor*, std::shared_ptr<resp_counters> c,
                                uint16_t port) {
  return {[c, port](stats_atom) {
    auto get = [](const auto& x) {
      return static_cast<int64_t>(x.load(std::memory_order_relaxed));
    };
    actor_stats row;
    row.name = "resp";
    resp_stats s;
    s.connections = get(c->connections);
    s.open = get(c->open);
    s.commands = get(c->commands);
    s.errors = get(c->errors);
    s.dropped = get(c->dropped);
    s.refused = get(c->refused);
    s.cut_off = get(c->cut_off);
    s.inline_hits = get(c->inline_hits);
    s.loop_commands = get(c->loop_commands);
    s.ordered_waits = get(c->ordered_waits);
    s.port = static_cast<int64_t>(port);
    put_stats(row, s);
    row.handled = static_cast<uint64_t>(s.commands);
    for (auto& spec : resp::command_table()) {
      auto n = get(c->by_command[static_cast<size_t>(spec.id)]);
      if (n > 0)
        row.counters["cmd_" + std::string{spec.name}] = n;
    }
    return row;
  }};
}

} // namespace

resp_listener::loop::~loop() {
  if (epoll_fd >= 0)
    ::close(epoll_fd);
  if (wake_fd >= 0)
    ::close(wake_fd);
}

resp_listener::~resp_listener() {
  stop();
  close_all();
}

bool resp_listener::bind(const std::string& host, uint16_t port, std::string& err) {
  listen_fd_ = tcp_listen(host, port, port_, err);
  return listen_fd_ >= 0;
}

void resp_listener::start(caf::actor_system& sys, std::shared_ptr<resp_env> env) {
  sys_ = &sys;
  env_ = std::move(env);
  if (!env_->counters)
    env_->counters = std::make_shared<resp_counters>();
  stats_ = sys.spawn(resp_stats_source, env_->counters, port_);
  // The node passes its own count (node_config::io_loops, from the cores it may use); 0 is for
  // listeners started without one (tests).
  auto n = opts_.loops != 0 ? opts_.loops : default_io_loops(std::thread::hardware_concurrency());
  for (uint32_t i = 0; i < n; ++i) {
    auto l = std::make_shared<loop>();
    l->epoll_fd = ::epoll_create1(EPOLL_CLOEXEC);
    l->wake_fd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.fd = l->wake_fd;
    ::epoll_ctl(l->epoll_fd, EPOLL_CTL_ADD, l->wake_fd, &ev);
    if (i == 0) {
      ev.data.fd = listen_fd_;
      ::epoll_ctl(l->epoll_fd, EPOLL_CTL_ADD, listen_fd_, &ev);
    }
    loops_.push_back(std::move(l));
  }
  for (uint32_t i = 0; i < n; ++i)
    loops_[i]->thread = std::thread([this, i] { run(*loops_[i], i == 0); });
  spdlog::info("resp: listening on port {} ({} I/O loops{})", port_, n, tls_ ? ", TLS" : "");
}

void resp_listener::stop() {
  if (loops_.empty() || stopped_)
    return;
  stopped_ = true;
  // Refuse new connections: accept fails from now on (the fd itself is closed once the loop
  // that accepts on it is gone), and a client's connect is refused as if nothing listened.
  ::epoll_ctl(loops_[0]->epoll_fd, EPOLL_CTL_DEL, listen_fd_, nullptr);
  ::shutdown(listen_fd_, SHUT_RDWR);
  // The loops stay: a session still owing replies is woken when its socket has room again.
  for (auto& s : sessions_now())
    caf::anon_send(s, resp_drain_atom::value);
}

void resp_listener::close_all() {
  if (loops_.empty()) {
    if (listen_fd_ >= 0)
      ::close(listen_fd_); // bound, never started
    listen_fd_ = -1;
    return;
  }
  for (auto& l : loops_) {
    uint64_t one = 1;
    [[maybe_unused]] auto w = ::write(l->wake_fd, &one, sizeof one);
  }
  for (auto& l : loops_)
    l->thread.join();
  // Whatever is still open owes replies the drain did not see answered (a request to an actor
  // that ended with the node, a client that stopped reading): it is closed, or the actor
  // system would wait for it forever.
  auto open = sessions_now();
  if (!open.empty())
    spdlog::info("resp: closing {} connections still owed replies", open.size());
  for (auto& s : open)
    caf::anon_send_exit(s, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(stats_, caf::exit_reason::user_shutdown);
  ::close(listen_fd_);
  listen_fd_ = -1;
  loops_.clear(); // each loop closes its epoll set once its last session is gone
}

std::vector<caf::actor> resp_listener::sessions_now() {
  std::vector<caf::actor> out;
  for (auto& l : loops_) {
    std::lock_guard<std::mutex> guard{l->mutex};
    for (auto& e : l->sessions)
      if (e.session)
        out.push_back(e.session);
  }
  return out;
}

void resp_listener::run(loop& l, bool accepts) {
  epoll_event events[128];
  for (;;) {
    int n = ::epoll_wait(l.epoll_fd, events, 128, -1);
    if (n < 0) {
      if (errno == EINTR)
        continue;
      spdlog::error("resp: epoll_wait failed: {}", std::strerror(errno));
      return;
    }
    for (int i = 0; i < n; ++i) {
      int fd = events[i].data.fd;
      if (fd == l.wake_fd)
        return;
      if (accepts && fd == listen_fd_) {
        accept_all();
        continue;
      }
      loop::entry e;
      {
        std::lock_guard<std::mutex> guard{l.mutex};
        if (static_cast<size_t>(fd) < l.sessions.size())
          e = l.sessions[static_cast<size_t>(fd)];
      }
      // A stale event of a socket closed meanwhile may reach the session that got the
      // same fd number: it reads, finds nothing. Harmless.
      bool hangup = (events[i].events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR)) != 0;
      if (e.session && !serve(e, hangup))
        caf::anon_send(e.session, resp_ready_atom::value);
    }
  }
}

bool resp_listener::serve(loop::entry& e, bool hangup) {
  if (!e.lane)
    return false;
  std::unique_lock<std::recursive_mutex> guard{e.lane->mutex, std::try_to_lock};
  if (!guard || !e.lane->idle || e.lane->session == nullptr)
    return false; // the session is busy (or closing): it hears of the socket by message
  if (serve_on_loop(*e.lane->session, hangup))
    return true;
  e.lane->idle = false; // the session takes over (its stash, its writes, its reads)
  return false;
}

void resp_listener::accept_all() {
  for (;;) {
    int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EMFILE || errno == ENFILE)
        spdlog::warn("resp: out of file descriptors, a connection waits");
      return;
    }
    auto open = env_->counters->open.load(std::memory_order_relaxed);
    if (open >= static_cast<int64_t>(opts_.max_clients)) {
      static constexpr char msg[] = "-ERR max number of clients reached\r\n";
      [[maybe_unused]] auto w = ::send(fd, msg, sizeof msg - 1, MSG_NOSIGNAL | MSG_DONTWAIT);
      ::close(fd);
      env_->counters->refused.fetch_add(1, std::memory_order_relaxed);
      continue;
    }
    set_nodelay(fd);
    SSL* ssl = nullptr;
    if (tls_) {
      ssl = tls_->accept_on(fd);
      if (ssl == nullptr) {
        ::close(fd);
        continue;
      }
    }
    auto lp = loops_[next_loop_++ % loops_.size()];
    auto& l = *lp;
    resp_loop_link link;
    link.epoll_fd = l.epoll_fd;
    link.forget = [lp](int closed) {
      std::lock_guard<std::mutex> guard{lp->mutex};
      if (static_cast<size_t>(closed) < lp->sessions.size())
        lp->sessions[static_cast<size_t>(closed)] = loop::entry{};
    };
    env_->counters->connections.fetch_add(1, std::memory_order_relaxed);
    env_->counters->open.fetch_add(1, std::memory_order_relaxed);
    // TLS sessions keep their SSL object to themselves: the loop never serves them.
    auto lane = opts_.loop_hits && ssl == nullptr ? std::make_shared<resp_lane>() : nullptr;
    auto session = sys_->spawn(resp_session, resp_socket{fd, ssl}, std::move(link),
                               std::shared_ptr<const resp_env>{env_}, lane);
    {
      std::lock_guard<std::mutex> guard{l.mutex};
      if (l.sessions.size() <= static_cast<size_t>(fd))
        l.sessions.resize(static_cast<size_t>(fd) + 1);
      l.sessions[static_cast<size_t>(fd)] = loop::entry{session, std::move(lane)};
    }
    epoll_event ev{};
    // Edge-triggered: a session reads until EAGAIN (or pauses and resumes itself), so the
    // socket never needs re-arming; a stale edge only costs a read that finds nothing.
    ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
    ev.data.fd = fd;
    ::epoll_ctl(l.epoll_fd, EPOLL_CTL_ADD, fd, &ev);
  }
}

} // namespace ac
