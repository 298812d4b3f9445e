// A client's plain-TCP connection to a node's RESP port: MGETs answered by a reader thread, or blocking commands one at a time.
#include "clients/cpp/resp_link.hpp"

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

// Whether `fd` became ready for `events` before `deadline`.
bool wait_for(int fd, short events, std::chrono::steady_clock::time_point deadline) {
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0)
      return false;
    pollfd p{fd, events, 0};
    int n = ::poll(&p, 1, static_cast<int>(left.count()));
    if (n < 0 && errno == EINTR)
      continue;
    return n == 1;
  }
}

// Writes all of `bytes` before `deadline` (the socket is blocking: each send takes what fits).
bool send_all(int fd, const std::string& bytes, std::chrono::steady_clock::time_point deadline,
              std::string& err) {
  size_t sent = 0;
  while (sent < bytes.size()) {
    if (!wait_for(fd, POLLOUT, deadline)) {
      err = "cannot send in time";
      return false;
    }
    auto n = ::send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK))
      continue;
    if (n <= 0) {
      err = "connection closed";
      return false;
    }
    sent += static_cast<size_t>(n);
  }
  return true;
}

resp_reply to_resp_reply(const redisReply& r) {
  resp_reply out;
  switch (r.type) {
    case REDIS_REPLY_STATUS:
      out.type = resp_reply::kind::status;
      break;
    case REDIS_REPLY_ERROR:
      out.type = resp_reply::kind::error;
      break;
    case REDIS_REPLY_INTEGER:
      out.type = resp_reply::kind::integer;
      out.integer = r.integer;
      return out;
    case REDIS_REPLY_ARRAY:
      out.type = resp_reply::kind::array;
      for (size_t i = 0; i < r.elements; ++i)
        out.elements.push_back(to_resp_reply(*r.element[i]));
      return out;
    case REDIS_REPLY_STRING:
      out.type = resp_reply::kind::bulk;
      break;
    default:
      return out; // nil
  }
  out.text.assign(r.str, r.len);
  return out;
}

// MGET replies built straight into lookup_results by hiredis's reader: custom object
// functions instead of a redisReply tree (one allocation per value less, no second copy).
// Payloads are marked tier::payload: the node's RESP port returns the stored value's bytes,
// not the encoded Entry CAF remoting carries (verify and the `get` command read them as they
// are). Anything but an array of bulks and nils, or a top-level error, is refused.
struct mget_reply {
  int type = 0;           // REDIS_REPLY_ARRAY or REDIS_REPLY_ERROR (others are refused)
  lookup_results results; // the array's values, in order
  std::string error;      // "-CODE reason" without the '-'
};

char element_marker; // what the element constructors return (never freed)

void* mget_string(const redisReadTask* task, char* str, size_t len) {
  if (task->parent == nullptr) {
    if (task->type != REDIS_REPLY_ERROR)
      return nullptr;
    auto* r = new mget_reply;
    r->type = REDIS_REPLY_ERROR;
    r->error.assign(str, len);
    return r;
  }
  if (task->type != REDIS_REPLY_STRING)
    return nullptr;
  auto& results = static_cast<mget_reply*>(task->parent->obj)->results;
  auto& x = results.emplace_back();
  x.found = true;
  x.source = static_cast<uint8_t>(tier::payload);
  x.value.assign(str, len);
  return &element_marker;
}

void* mget_array(const redisReadTask* task, int elements) {
  if (task->parent != nullptr || elements < 0)
    return nullptr;
  auto* r = new mget_reply;
  r->type = REDIS_REPLY_ARRAY;
  r->results.reserve(static_cast<size_t>(elements));
  return r;
}

void* mget_integer(const redisReadTask*, long long) { return nullptr; }

void* mget_nil(const redisReadTask* task) {
  if (task->parent == nullptr)
    return nullptr;
  static_cast<mget_reply*>(task->parent->obj)->results.emplace_back();
  return &element_marker;
}

void mget_free(void* obj) {
  if (obj != nullptr && obj != &element_marker)
    delete static_cast<mget_reply*>(obj);
}

redisReplyObjectFunctions mget_functions = {mget_string, mget_array, mget_integer, mget_nil,
                                            mget_free};

} // namespace

uint8_t errc_of_resp_code(const std::string& code) {
  static const std::pair<const char*, errc> codes[] = {
    {"EMPTYKEY", errc::empty_key},
    {"KEYTOOLONG", errc::key_too_long},
    {"VALUETOOLARGE", errc::value_too_large},
    {"BADVALUE", errc::bad_value},
    {"OVERLOADED", errc::overloaded},
    {"COMPUTEFAILED", errc::compute_failed},
    {"UNAVAILABLE", errc::unavailable},
    {"L2ERROR", errc::l2_error},
    {"STALELEASE", errc::stale_lease},
  };
  for (const auto& [word, e] : codes)
    if (code == word)
      return static_cast<uint8_t>(e);
  return static_cast<uint8_t>(errc::bad_request);
}

std::unique_ptr<resp_link> resp_link::open_blocking(const std::string& host, uint16_t port,
                                                    std::chrono::milliseconds timeout,
                                                    std::string& err) {
  int fd = tcp_connect(host, port, timeout, err);
  if (fd < 0)
    return nullptr;
  std::unique_ptr<resp_link> link{new resp_link(fd)};
  // PING first: a port that is not RESP, or one that wants AUTH (resp.password), would fail
  // every request; a batcher then stays on CAF remoting instead.
  auto pong = link->command({"PING"}, timeout, err);
  if (!pong) {
    err = "PING: " + err;
    return nullptr;
  }
  if (pong->type != resp_reply::kind::status || pong->text != "PONG") {
    err = "PING answered "
          + (pong->type == resp_reply::kind::error ? pong->text
                                                   : std::string{"something else than PONG"});
    return nullptr;
  }
  return link;
}

std::unique_ptr<resp_link> resp_link::open(const std::string& host, uint16_t port, caf::actor owner,
                                           std::chrono::milliseconds timeout, std::string& err) {
  auto link = open_blocking(host, port, timeout, err);
  if (!link)
    return nullptr;
  link->reader_ =
    std::thread([l = link.get(), owner = std::move(owner)] { l->read_replies(owner); });
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

std::optional<resp_reply> resp_link::command(const std::vector<std::string>& args,
                                             std::chrono::milliseconds timeout, std::string& err) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  std::string request = "*" + std::to_string(args.size()) + "\r\n";
  for (const auto& a : args)
    append_bulk(request, a);
  if (!send_all(fd_, request, deadline, err))
    return std::nullopt;
  if (!sync_reader_)
    sync_reader_.reset(redisReaderCreate(), redisReaderFree);
  reply_ptr reply;
  char buf[16 * 1024];
  for (;;) {
    if (!next_reply(sync_reader_.get(), reply)) {
      err = "the answer is not RESP";
      return std::nullopt;
    }
    if (reply)
      return to_resp_reply(*reply);
    if (!wait_for(fd_, POLLIN, deadline)) {
      err = "no answer in time";
      return std::nullopt;
    }
    auto n = ::recv(fd_, buf, sizeof buf, 0);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0 || redisReaderFeed(sync_reader_.get(), buf, static_cast<size_t>(n)) != REDIS_OK) {
      err = "connection closed";
      return std::nullopt;
    }
  }
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
  reader_ptr rd{redisReaderCreateWithFunctions(&mget_functions)};
  constexpr size_t chunk = 64 * 1024;
  std::vector<char> buf(chunk);
  bool broken = false;
  while (!broken) {
    auto n = ::recv(fd_, buf.data(), chunk, 0);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0 || redisReaderFeed(rd.get(), buf.data(), static_cast<size_t>(n)) != REDIS_OK)
      break;
    for (;;) {
      void* raw = nullptr;
      if (redisReaderGetReply(rd.get(), &raw) != REDIS_OK) {
        broken = true; // not an MGET reply: the stream is out of step
        break;
      }
      if (raw == nullptr)
        break; // needs more bytes
      std::unique_ptr<mget_reply> reply{static_cast<mget_reply*>(raw)};
      uint64_t id = 0;
      if (!next_id(id)) {
        broken = true; // a reply nobody asked for
        break;
      }
      if (reply->type == REDIS_REPLY_ARRAY) {
        caf::anon_send(owner, resp_answer_atom::value, id, std::move(reply->results));
      } else {
        // "-CODE reason": the node's errc as a code word (actors/resp_commands.cpp).
        auto& text = reply->error;
        auto space = text.find(' ');
        auto code = text.substr(0, space);
        auto reason = space == std::string::npos ? std::string{} : text.substr(space + 1);
        caf::anon_send(owner, resp_failed_atom::value, id, errc_of_resp_code(code),
                       std::move(reason));
      }
    }
  }
  caf::anon_send(owner, resp_lost_atom::value);
}

} // namespace ac
