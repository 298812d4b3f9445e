// resp_client.hpp: a small blocking hiredis client for process tests that talk to a node's RESP port.
//
// Every reply is bounded by the timeout given at connect (default 5 s): a node that does not
// answer fails the call (a null reply), never hangs the test. Commands go as argv (binary-safe),
// one at a time (run) or pipelined (append, then next). The one RESP client of the tests.
#pragma once

#include <hiredis/hiredis.h>

#include <sys/time.h>

#include <catch2/catch.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace ac::test {

class resp_client {
public:
  using reply_ptr = std::unique_ptr<redisReply, void (*)(void*)>;

  explicit resp_client(uint16_t port, std::chrono::milliseconds timeout = std::chrono::seconds(5))
    : resp_client("127.0.0.1", port, timeout) {}
  /// A node on another host (a network namespace's address, tests/netns).
  resp_client(const std::string& host, uint16_t port, std::chrono::milliseconds timeout) {
    timeval tv{static_cast<time_t>(timeout.count() / 1000),
               static_cast<suseconds_t>((timeout.count() % 1000) * 1000)};
    c_ = redisConnectWithTimeout(host.c_str(), port, tv);
    if (c_ != nullptr && c_->err == 0)
      redisSetTimeout(c_, tv);
  }
  ~resp_client() {
    if (c_ != nullptr)
      redisFree(c_);
  }
  resp_client(const resp_client&) = delete;
  resp_client& operator=(const resp_client&) = delete;

  /// The connection's socket (socket options a test sets); -1 when not connected.
  int fd() const { return c_ != nullptr ? c_->fd : -1; }

  /// Connected and no I/O error so far (after an error hiredis's context is unusable).
  bool ok() const { return c_ != nullptr && c_->err == 0; }

  /// One command; a null reply on an I/O error or timeout.
  reply_ptr run(const std::vector<std::string>& args) {
    if (!ok())
      return {nullptr, freeReplyObject};
    std::vector<const char*> argv;
    std::vector<size_t> lens;
    for (auto& a : args) {
      argv.push_back(a.data());
      lens.push_back(a.size());
    }
    auto* r = static_cast<redisReply*>(
      redisCommandArgv(c_, static_cast<int>(args.size()), argv.data(), lens.data()));
    return {r, freeReplyObject};
  }

  /// Queues one command without waiting (a pipeline); next() reads the replies in order.
  void append(const std::vector<std::string>& args) {
    if (!ok())
      return;
    std::vector<const char*> argv;
    std::vector<size_t> lens;
    for (auto& a : args) {
      argv.push_back(a.data());
      lens.push_back(a.size());
    }
    redisAppendCommandArgv(c_, static_cast<int>(args.size()), argv.data(), lens.data());
  }

  /// Queues bytes as they are (junk, a malformed request) behind what append() queued.
  void append_raw(const std::string& bytes) {
    if (ok())
      redisAppendFormattedCommand(c_, bytes.data(), bytes.size());
  }

  /// Sends what append() queued now, without waiting for a reply (a request that must reach the
  /// node before the test goes on); false on an I/O error.
  bool flush() {
    int done = 0;
    while (ok() && done == 0)
      if (redisBufferWrite(c_, &done) != REDIS_OK)
        return false;
    return ok();
  }

  /// The next reply of a pipeline (append()); null on an I/O error or timeout.
  reply_ptr next() {
    void* r = nullptr;
    if (!ok() || redisGetReply(c_, &r) != REDIS_OK)
      return {nullptr, freeReplyObject};
    return {static_cast<redisReply*>(r), freeReplyObject};
  }

  /// A status or bulk reply's text; nullopt for nil, an error reply or no reply at all.
  std::optional<std::string> text(const std::vector<std::string>& args) {
    auto r = run(args);
    if (!r || (r->type != REDIS_REPLY_STRING && r->type != REDIS_REPLY_STATUS))
      return std::nullopt;
    return std::string(r->str, r->len);
  }

  /// GET: the value, nullopt when the key is absent; `answered` false when no value or nil
  /// came (an error reply, whose text goes to `error`, or no reply at all), so a test can tell
  /// "absent" from "no answer".
  std::optional<std::string> get(const std::string& key, bool& answered,
                                 std::string* error = nullptr) {
    auto r = run({"GET", key});
    answered = r && (r->type == REDIS_REPLY_STRING || r->type == REDIS_REPLY_NIL);
    if (error)
      *error = !r ? "no reply" : r->type == REDIS_REPLY_ERROR ? std::string(r->str, r->len) : "";
    if (!answered || r->type == REDIS_REPLY_NIL)
      return std::nullopt;
    return std::string(r->str, r->len);
  }

private:
  redisContext* c_ = nullptr;
};

/// A resp_client to 127.0.0.1:`port` that fails the test (REQUIRE) when it does not connect.
struct connected_resp_client : resp_client {
  explicit connected_resp_client(uint16_t port) : resp_client(port) { REQUIRE(ok()); }
};

} // namespace ac::test
