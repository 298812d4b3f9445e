// How a RESP session's bytes cross its socket (see resp_session_io.hpp).
#include "actors/resp_session_io.hpp"

#include <algorithm>
#include <cerrno>
#include <string>

#include <sys/uio.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <sys/socket.h>

#include "core/resp_reply.hpp"

namespace ac {

resp_io read_some(resp_session_state& st, char* buf, size_t n, size_t& got) {
  got = 0;
  if (st.ssl == nullptr) {
    for (;;) {
      auto r = ::recv(st.fd, buf, n, 0);
      if (r > 0) {
        got = static_cast<size_t>(r);
        return resp_io::progress;
      }
      if (r < 0 && errno == EINTR)
        continue;
      if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
        return resp_io::again;
      return r == 0 ? resp_io::eof : resp_io::closed;
    }
  }
  ERR_clear_error();
  auto r = SSL_read(st.ssl, buf, static_cast<int>(n));
  if (r > 0) {
    got = static_cast<size_t>(r);
    return resp_io::progress;
  }
  auto e = SSL_get_error(st.ssl, r);
  if (e == SSL_ERROR_ZERO_RETURN)
    return resp_io::eof; // the client's close_notify: it sends no more
  return e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE ? resp_io::again : resp_io::closed;
}

resp_io write_some(resp_session_state& st, const char* buf, size_t n, size_t& put) {
  put = 0;
  if (st.ssl == nullptr) {
    for (;;) {
      auto r = ::send(st.fd, buf, n, MSG_NOSIGNAL);
      if (r >= 0) {
        put = static_cast<size_t>(r);
        return resp_io::progress;
      }
      if (errno == EINTR)
        continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK)
        return resp_io::again;
      return resp_io::closed;
    }
  }
  ERR_clear_error();
  auto r = SSL_write(st.ssl, buf, static_cast<int>(std::min<size_t>(n, 1u << 30)));
  if (r > 0) {
    put = static_cast<size_t>(r);
    return resp_io::progress;
  }
  auto e = SSL_get_error(st.ssl, r);
  return e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE ? resp_io::again : resp_io::closed;
}

resp_io write_pending(resp_session_state& st) {
  while (output_pending(st)) {
    size_t put = 0;
    auto r = write_some(st, st.out.data() + st.out_sent, st.out.size() - st.out_sent, put);
    if (r != resp_io::progress)
      return r;
    st.out_sent += put;
  }
  return resp_io::progress;
}

void append_bulk_direct(resp_session_state& st, std::string_view payload) {
  if (st.ssl != nullptr || payload.size() < direct_bulk_bytes || st.peer_gone) {
    resp::bulk(st.out, payload);
    return;
  }
  std::string head = "$" + std::to_string(payload.size()) + "\r\n";
  constexpr std::string_view tail = "\r\n";
  std::string_view parts[] = {std::string_view{st.out}.substr(st.out_sent), head, payload, tail};
  iovec iov[4];
  msghdr msg{};
  for (size_t i = 0; i < 4; ++i)
    iov[i] = iovec{const_cast<char*>(parts[i].data()), parts[i].size()};
  msg.msg_iov = iov;
  msg.msg_iovlen = 4;
  ssize_t sent;
  do
    sent = ::sendmsg(st.fd, &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
  while (sent < 0 && errno == EINTR);
  // An error is left for the next write to find (again: room later; else the peer is gone).
  size_t left = sent > 0 ? static_cast<size_t>(sent) : 0;
  size_t took_pending = std::min(left, parts[0].size());
  left -= took_pending;
  st.out_sent += took_pending;
  if (st.out_sent == st.out.size()) {
    st.out.clear(); // every pending byte is out (parts[0] is not read again)
    st.out_sent = 0;
  }
  for (size_t i = 1; i < 4; ++i) { // what the socket left of the reply waits in `out`
    size_t took = std::min(left, parts[i].size());
    left -= took;
    st.out.append(parts[i].substr(took));
  }
}

} // namespace ac
