// The node's fast lookup port: accepts connections and reads request frames on one thread, hands them to session actors.
#include "actors/fast_listener.hpp"

#include <cerrno>

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <caf/event_based_actor.hpp>
#include <caf/send.hpp>
#include <spdlog/spdlog.h>

#include "actors/fast_session.hpp"
#include "net/tcp_socket.hpp"
#include "messages/stats.hpp"

namespace ac {

fast_listener::~fast_listener() {
  stop();
  if (listen_fd_ >= 0)
    ::close(listen_fd_);
}

bool fast_listener::bind(const std::string& host, uint16_t port, std::string& err) {
  listen_fd_ = tcp_listen(host, port, port_, err);
  return listen_fd_ >= 0;
}

namespace {

caf::behavior fast_port_stats(caf::event_based_actor*, std::shared_ptr<fast_port_counters> c) {
  return {[c](stats_atom) {
    actor_stats row;
    row.name = "fast-port";
    row.kind = "fast_port";
    auto get = [](const auto& x) { return static_cast<int64_t>(x.load(std::memory_order_relaxed)); };
    row.handled = static_cast<uint64_t>(get(c->requests));
    row.counters = {{"connections", get(c->connections)}, {"open", get(c->open)},
                    {"requests", get(c->requests)},       {"dropped", get(c->dropped)},
                    {"refused", get(c->refused)},         {"cut_off", get(c->cut_off)}};
    return row;
  }};
}

} // namespace

void fast_listener::start(caf::actor_system& sys, front_actor front) {
  sys_ = &sys;
  front_ = std::move(front);
  stats_ = sys.spawn(fast_port_stats, counters_);
  epoll_fd_ = ::epoll_create1(EPOLL_CLOEXEC);
  wake_fd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.fd = listen_fd_;
  ::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, listen_fd_, &ev);
  ev.data.fd = wake_fd_;
  ::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, wake_fd_, &ev);
  thread_ = std::thread([this] { run(); });
}

void fast_listener::stop() {
  if (!thread_.joinable())
    return;
  uint64_t one = 1;
  [[maybe_unused]] auto n = ::write(wake_fd_, &one, sizeof one);
  thread_.join();
  // The thread is gone: the sessions own their sockets now and close them when done.
  for (auto& [fd, c] : connections_)
    caf::anon_send(c->session, fast_closed_atom::value);
  connections_.clear();
  counters_->open.store(0, std::memory_order_relaxed);
  caf::anon_send_exit(stats_, caf::exit_reason::user_shutdown);
  ::close(epoll_fd_);
  ::close(wake_fd_);
  ::close(listen_fd_);
  listen_fd_ = -1;
}

void fast_listener::run() {
  epoll_event events[64];
  for (;;) {
    int n = ::epoll_wait(epoll_fd_, events, 64, -1);
    if (n < 0 && errno != EINTR) {
      spdlog::error("fast port: epoll_wait failed: {}", std::strerror(errno));
      return;
    }
    for (int i = 0; i < n; ++i) {
      int fd = events[i].data.fd;
      if (fd == wake_fd_)
        return;
      if (fd == listen_fd_) {
        accept_all();
        continue;
      }
      auto it = connections_.find(fd);
      if (it != connections_.end())
        read_from(*it->second);
    }
  }
}

void fast_listener::accept_all() {
  for (;;) {
    int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0)
      return; // EAGAIN: all taken; other errors (EMFILE...) end this round too
    if (connections_.size() >= opts_.max_connections) {
      spdlog::warn("fast port: {} connections open, refusing another", connections_.size());
      counters_->refused.fetch_add(1, std::memory_order_relaxed);
      ::close(fd);
      continue;
    }
    set_nodelay(fd);
    auto c = std::make_unique<connection>(
      connection{fd, sys_->spawn(fast_session, fd, front_, opts_.max_pending_answer_bytes, counters_),
                 fast::frame_reader{opts_.max_request_bytes}});
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLRDHUP;
    ev.data.fd = fd;
    ::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &ev);
    connections_.emplace(fd, std::move(c));
    counters_->connections.fetch_add(1, std::memory_order_relaxed);
    counters_->open.fetch_add(1, std::memory_order_relaxed);
  }
}

// Reads what the socket has, hands every complete request to the session. Junk (a frame too
// large, or one that does not parse) drops the connection: the stream cannot be resynchronized.
void fast_listener::read_from(connection& c) {
  constexpr size_t chunk = 64 * 1024;
  for (;;) {
    auto n = ::recv(c.fd, c.reader.prepare(chunk), chunk, 0);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
      return;
    if (n <= 0) {
      drop(c.fd);
      return;
    }
    c.reader.commit(static_cast<size_t>(n));
    while (auto body = c.reader.next()) {
      auto req = fast::parse_request(*body);
      if (!req) {
        spdlog::warn("fast port: a malformed request frame, dropping the connection");
        counters_->dropped.fetch_add(1, std::memory_order_relaxed);
        drop(c.fd);
        return;
      }
      counters_->requests.fetch_add(1, std::memory_order_relaxed);
      caf::anon_send(c.session, fast_request_atom::value, req->id, req->routed, req->epoch,
                     std::move(req->keys));
    }
    if (c.reader.failed()) {
      spdlog::warn("fast port: a request frame over {} bytes, dropping the connection",
                   opts_.max_request_bytes);
      counters_->dropped.fetch_add(1, std::memory_order_relaxed);
      drop(c.fd);
      return;
    }
  }
}

// Forgets a connection; its session closes the socket once the answers it owes are written.
void fast_listener::drop(int fd) {
  ::epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, fd, nullptr);
  auto it = connections_.find(fd);
  if (it == connections_.end())
    return;
  ::shutdown(fd, SHUT_RD);
  caf::anon_send(it->second->session, fast_closed_atom::value);
  connections_.erase(it);
  counters_->open.fetch_sub(1, std::memory_order_relaxed);
}

} // namespace ac
