// A client's plain-TCP connection to a node's RESP port: its batcher writes MGETs, a reader thread hands the replies back in order.
#include "tools/common/resp_link.hpp"

#include <cerrno>

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <hiredis/hiredis.h>

#include <caf/send.hpp>

#include "messages/entry_codec.hpp"
#include "messages/errors.hpp"
#include "messages/lookup.hpp"

namespace ac {

namespace {

struct reader_free {
  void operator()(redisReader* r) const { redisReaderFree(r); }
};
struct reply_free {
  void operator()(redisReply* r) const { freeReplyObject(r); }
};
using reader_ptr = std::unique_ptr<redisReader, reader_free>;
using reply_ptr = std::unique_ptr<redisReply, reply_free>;

// The next complete reply in `rd`: null when more bytes are needed, false on a protocol error.
bool next_reply(redisReader* rd, reply_ptr& out) {
  void* raw = nullptr;
  if (redisReaderGetReply(rd, &raw) != REDIS_OK)
    return false;
  out.reset(static_cast<redisReply*>(raw));
  return true;
}

void append_bulk(std::string& out, const std::string& s) {
  out += '$';
  out += std::to_string(s.size());
  out += "\r\n";
  out += s;
  out += "\r\n";
}

// An MGET reply as the results of a get_many. The node's RESP port returns the stored value's
// payload, not the encoded Entry that CAF remoting carries: results are marked tier::payload
// and hold the bare bytes (verify and the `get` command read them as they are; wrapping each
// in an Entry cost an encode per hit). False when an element is neither nil nor a bulk string.
bool to_results(const redisReply& r, lookup_results& out) {
  out.clear();
  out.reserve(r.elements);
  for (size_t i = 0; i < r.elements; ++i) {
    const auto* e = r.element[i];
    lookup_result x;
    if (e->type == REDIS_REPLY_STRING) {
      x.found = true;
      x.source = static_cast<uint8_t>(tier::payload);
      x.value.assign(e->str, e->len);
    } else if (e->type != REDIS_REPLY_NIL) {
      return false;
    }
    out.push_back(std::move(x));
  }
  return true;
}

} // namespace

uint8_t errc_of_resp_code(const std::string& code) {
  static const std::pair<const char*, errc> codes[] = {
    {"EMPTYKEY", errc::empty_key},          {"KEYTOOLONG", errc::key_too_long},
    {"VALUETOOLARGE", errc::value_too_large}, {"BADVALUE", errc::bad_value},
    {"OVERLOADED", errc::overloaded},       {"COMPUTEFAILED", errc::compute_failed},
    {"UNAVAILABLE", errc::unavailable},     {"L2ERROR", errc::l2_error},
  };
  for (const auto& [word, e] : codes)
    if (code == word)
      return static_cast<uint8_t>(e);
  return static_cast<uint8_t>(errc::bad_request);
}

std::unique_ptr<resp_link> resp_link::open(const std::string& host, uint16_t port,
                                           caf::actor owner, std::chrono::milliseconds timeout,
                                           std::string& err) {
  int fd = tcp_connect(host, port, timeout, err);
  if (fd < 0)
    return nullptr;
  std::unique_ptr<resp_link> link{new resp_link(fd)};
  // PING first: a port that is not RESP, or one that wants AUTH (resp.password), would fail
  // every batch; the batcher then stays on CAF remoting instead.
  static const std::string ping = "*1\r\n$4\r\nPING\r\n";
  if (::send(fd, ping.data(), ping.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(ping.size())) {
    err = "cannot send PING";
    return nullptr;
  }
  reader_ptr rd{redisReaderCreate()};
  reply_ptr reply;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!reply) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - std::chrono::steady_clock::now());
    pollfd p{fd, POLLIN, 0};
    if (left.count() <= 0 || ::poll(&p, 1, static_cast<int>(left.count())) != 1) {
      err = "no answer to PING";
      return nullptr;
    }
    char buf[512];
    auto n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0 || redisReaderFeed(rd.get(), buf, static_cast<size_t>(n)) != REDIS_OK
        || !next_reply(rd.get(), reply)) {
      err = "PING: connection closed or not RESP";
      return nullptr;
    }
  }
  if (reply->type != REDIS_REPLY_STATUS || std::string{reply->str, reply->len} != "PONG") {
    err = "PING answered "
          + (reply->type == REDIS_REPLY_ERROR ? std::string{reply->str, reply->len}
                                              : std::string{"something else than PONG"});
    return nullptr;
  }
  link->reader_ = std::thread([l = link.get(), owner = std::move(owner)] { l->read_replies(owner); });
  return link;
}

resp_link::~resp_link() {
  ::shutdown(fd_, SHUT_RDWR); // wakes the reader out of recv
  if (reader_.joinable())
    reader_.join();
  ::close(fd_);
}

send_buffer::status resp_link::send(uint64_t id, const std::vector<std::string>& keys) {
  {
    // Before the bytes leave: the reply may come back before this function returns.
    std::lock_guard<std::mutex> guard{mtx_};
    ids_.push_back(id);
  }
  auto& out = out_.out();
  out += '*';
  out += std::to_string(keys.size() + 1);
  out += "\r\n$4\r\nMGET\r\n";
  for (const auto& k : keys)
    append_bulk(out, k);
  return out_.flush(fd_);
}

bool resp_link::next_id(uint64_t& id) {
  std::lock_guard<std::mutex> guard{mtx_};
  if (ids_.empty())
    return false;
  id = ids_.front();
  ids_.pop_front();
  return true;
}

void resp_link::read_replies(caf::actor owner) {
  reader_ptr rd{redisReaderCreate()};
  constexpr size_t chunk = 64 * 1024;
  std::vector<char> buf(chunk);
  lookup_results results;
  bool broken = false;
  while (!broken) {
    auto n = ::recv(fd_, buf.data(), chunk, 0);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0 || redisReaderFeed(rd.get(), buf.data(), static_cast<size_t>(n)) != REDIS_OK)
      break;
    for (;;) {
      reply_ptr reply;
      uint64_t id = 0;
      if (!next_reply(rd.get(), reply) || (reply && !next_id(id))) {
        broken = true;  // not RESP, or a reply nobody asked for: the stream is out of step
        break;
      }
      if (!reply)
        break;  // needs more bytes
      if (reply->type == REDIS_REPLY_ARRAY && to_results(*reply, results)) {
        caf::anon_send(owner, resp_answer_atom::value, id, std::move(results));
      } else if (reply->type == REDIS_REPLY_ERROR) {
        // "-CODE reason": the node's errc as a code word (actors/resp_commands.cpp).
        std::string text{reply->str, reply->len};
        auto space = text.find(' ');
        auto code = text.substr(0, space);
        auto reason = space == std::string::npos ? std::string{} : text.substr(space + 1);
        caf::anon_send(owner, resp_failed_atom::value, id, errc_of_resp_code(code),
                       std::move(reason));
      } else {
        caf::anon_send(owner, resp_failed_atom::value, id,
                       static_cast<uint8_t>(errc::bad_request),
                       std::string{"unexpected reply to MGET"});
      }
    }
  }
  caf::anon_send(owner, resp_lost_atom::value);
}

} // namespace ac
