// Plain TCP sockets: listen, connect with a timeout, non-blocking output.
#include "net/tcp_socket.hpp"

#include <cerrno>
#include <cstring>

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace ac {

namespace {

addrinfo* resolve(const std::string& host, uint16_t port, bool passive, std::string& err) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = passive ? AI_PASSIVE : 0;
  addrinfo* res = nullptr;
  auto service = std::to_string(port);
  int rc = ::getaddrinfo(host.c_str(), service.c_str(), &hints, &res);
  if (rc != 0) {
    err = "cannot resolve " + host + ": " + ::gai_strerror(rc);
    return nullptr;
  }
  return res;
}

std::string sys_error(const char* what) { return std::string{what} + ": " + std::strerror(errno); }

} // namespace

void set_nodelay(int fd) {
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

void set_nonblocking(int fd) { ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK); }

int tcp_listen(const std::string& host, uint16_t port, uint16_t& bound, std::string& err) {
  addrinfo* res = resolve(host, port, true, err);
  if (res == nullptr)
    return -1;
  int fd = ::socket(res->ai_family, res->ai_socktype | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    err = sys_error("socket");
    ::freeaddrinfo(res);
    return -1;
  }
  int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (::bind(fd, res->ai_addr, res->ai_addrlen) != 0 || ::listen(fd, 128) != 0) {
    err = "cannot listen on " + host + ":" + std::to_string(port) + ": " + std::strerror(errno);
    ::freeaddrinfo(res);
    ::close(fd);
    return -1;
  }
  ::freeaddrinfo(res);
  sockaddr_storage addr{};
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  bound = addr.ss_family == AF_INET6 ? ntohs(reinterpret_cast<sockaddr_in6*>(&addr)->sin6_port)
                                     : ntohs(reinterpret_cast<sockaddr_in*>(&addr)->sin_port);
  set_nonblocking(fd);
  return fd;
}

int tcp_connect(const std::string& host, uint16_t port, std::chrono::milliseconds timeout,
                std::string& err) {
  addrinfo* res = resolve(host, port, false, err);
  if (res == nullptr)
    return -1;
  int fd = ::socket(res->ai_family, res->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) {
    err = sys_error("socket");
    ::freeaddrinfo(res);
    return -1;
  }
  int rc = ::connect(fd, res->ai_addr, res->ai_addrlen);
  ::freeaddrinfo(res);
  if (rc != 0 && errno == EINPROGRESS) {
    pollfd p{fd, POLLOUT, 0};
    rc = ::poll(&p, 1, static_cast<int>(timeout.count()));
    int so_error = 0;
    socklen_t len = sizeof so_error;
    if (rc == 1 && ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &so_error, &len) == 0 && so_error == 0) {
      rc = 0;
    } else {
      errno = rc == 0 ? ETIMEDOUT : (so_error != 0 ? so_error : errno);
      rc = -1;
    }
  }
  if (rc != 0) {
    err = "cannot connect to " + host + ":" + std::to_string(port) + ": " + std::strerror(errno);
    ::close(fd);
    return -1;
  }
  ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) & ~O_NONBLOCK);
  set_nodelay(fd);
  return fd;
}

send_buffer::status send_buffer::flush(int fd) {
  while (sent_ < buf_.size()) {
    auto n = ::send(fd, buf_.data() + sent_, buf_.size() - sent_, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n > 0) {
      sent_ += static_cast<size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
      break;
    return status::broken;
  }
  if (sent_ == buf_.size()) {
    buf_.clear();
    sent_ = 0;
    return status::sent;
  }
  if (sent_ > (1u << 20) && sent_ * 2 > buf_.size()) { // drop what went out, keep the rest
    buf_.erase(0, sent_);
    sent_ = 0;
  }
  return status::pending;
}

} // namespace ac
