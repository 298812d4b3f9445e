// raw_socket.hpp: plain loopback sockets for process tests that talk to a node's ports below the protocols (junk bytes, hand-made frames).
#pragma once

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <random>
#include <string>

namespace ac::test {

/// Connects to 127.0.0.1:port; -1 on failure.
inline int connect_to(uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(port);
  if (fd >= 0 && ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0)
    return fd;
  if (fd >= 0)
    ::close(fd);
  return -1;
}

/// Sends `junk` (stopping early when the peer closes) and waits up to `timeout` for the peer to
/// drop the connection (EOF or reset); true when it did.
inline bool junk_gets_dropped(uint16_t port, const std::string& junk,
                              std::chrono::milliseconds timeout) {
  int fd = connect_to(port);
  if (fd < 0)
    return false;
  ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
  auto deadline = std::chrono::steady_clock::now() + timeout;
  size_t sent = 0;
  bool dropped = false;
  char buf[4096];
  while (!dropped && std::chrono::steady_clock::now() < deadline) {
    pollfd p{fd, static_cast<short>(POLLIN | (sent < junk.size() ? POLLOUT : 0)), 0};
    if (::poll(&p, 1, 50) < 0)
      break;
    if (p.revents & (POLLIN | POLLHUP | POLLERR)) {
      auto n = ::recv(fd, buf, sizeof buf, 0);
      dropped = n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK);
    }
    if (!dropped && (p.revents & POLLOUT) && sent < junk.size()) {
      auto n = ::send(fd, junk.data() + sent, junk.size() - sent, MSG_NOSIGNAL);
      if (n > 0)
        sent += static_cast<size_t>(n);
      else if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
        dropped = true; // EPIPE / ECONNRESET: the node closed it
    }
  }
  ::close(fd);
  return dropped;
}

/// Waits up to `timeout` for the peer to close `fd` (EOF or reset), reading and dropping
/// whatever comes first; true when it did.
inline bool closed_by_peer(int fd, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  char buf[64 * 1024];
  while (std::chrono::steady_clock::now() < deadline) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 100) != 1)
      continue;
    auto n = ::recv(fd, buf, sizeof buf, 0);
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
      return true;
  }
  return false;
}

inline std::string random_bytes(size_t n) {
  std::mt19937_64 gen{std::random_device{}()};
  std::string s(n, '\0');
  for (auto& c : s)
    c = static_cast<char>(gen());
  return s;
}

} // namespace ac::test
