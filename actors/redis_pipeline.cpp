// redis_pipeline.cpp: hiredis 0.14 blocking API behind redis_connection; commands go as argv (binary-safe).
#include "actors/redis_pipeline.hpp"

#include <hiredis/hiredis.h>
#include <spdlog/spdlog.h>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>
#include <utility>

namespace ac {

namespace {

timeval to_timeval(std::chrono::milliseconds ms) {
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(ms.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((ms.count() % 1000) * 1000);
  return tv;
}

void set_error(std::string* error, std::string text) {
  if (error)
    *error = std::move(text);
}

} // namespace

// Owns one hiredis reply object.
class redis_connection::reply {
public:
  explicit reply(redisReply* r) : ptr_(r) {}
  const redisReply* operator->() const { return ptr_.get(); }
  const redisReply* get() const { return ptr_.get(); }
  bool is_error() const { return ptr_->type == REDIS_REPLY_ERROR; }
  std::string text() const { return std::string(ptr_->str ? ptr_->str : "", ptr_->len); }

private:
  struct deleter {
    void operator()(redisReply* r) const { freeReplyObject(r); }
  };
  std::unique_ptr<redisReply, deleter> ptr_;
};

redis_connection::redis_connection(redis_options options) : options_(std::move(options)) {}

redis_connection::~redis_connection() { close(); }

redis_connection::redis_connection(redis_connection&& other) noexcept
  : options_(std::move(other.options_)), ctx_(std::exchange(other.ctx_, nullptr)) {}

redis_connection& redis_connection::operator=(redis_connection&& other) noexcept {
  if (this != &other) {
    close();
    options_ = std::move(other.options_);
    ctx_ = std::exchange(other.ctx_, nullptr);
  }
  return *this;
}

void redis_connection::close() {
  if (ctx_) {
    redisFree(ctx_);
    ctx_ = nullptr;
  }
}

bool redis_connection::fail_io(const char* what, std::string* error) {
  std::string reason = ctx_ ? std::string(ctx_->errstr) : std::string("not connected");
  // hiredis reports an expired SO_RCVTIMEO/SO_SNDTIMEO as EAGAIN; say what it means.
  if (reason == std::strerror(EAGAIN) || reason == std::strerror(EWOULDBLOCK))
    reason = "timed out after " + std::to_string(options_.timeout.count()) + "ms";
  set_error(error, "redis " + std::string(what) + ": " + reason);
  close();
  return false;
}

namespace {

bool set_keepalive(int fd, const redis_options& o) {
  int on = 1;
  int idle = static_cast<int>(std::max<int64_t>(o.keepalive_idle.count(), 1));
  int interval = static_cast<int>(std::max<int64_t>(o.keepalive_interval.count(), 1));
  int count = std::max(o.keepalive_count, 1);
  return ::setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof(on)) == 0
         && ::setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof(idle)) == 0
         && ::setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &interval, sizeof(interval)) == 0
         && ::setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &count, sizeof(count)) == 0;
}

} // namespace

int redis_connection::fd() const { return ctx_ != nullptr ? ctx_->fd : -1; }

bool redis_connection::connect(std::string* error) {
  close();
  auto tv = to_timeval(options_.timeout);
  ctx_ = redisConnectWithTimeout(options_.host.c_str(), options_.port, tv);
  auto where = options_.host + ":" + std::to_string(options_.port);
  if (ctx_ == nullptr) {
    set_error(error, "redis connect " + where + ": out of memory");
    return false;
  }
  if (ctx_->err)
    return fail_io(("connect " + where).c_str(), error);
  if (redisSetTimeout(ctx_, tv) != REDIS_OK)
    return fail_io(("connect " + where).c_str(), error);
  // hiredis 0.14's redisEnableKeepAlive fixes the interval at 15 s and leaves idle and count
  // to the kernel (7200 s, 9): set all three on the socket as configured.
  if (!set_keepalive(ctx_->fd, options_)) {
    set_error(error,
              "redis connect " + where + ": setting TCP keep-alive: " + std::strerror(errno));
    close();
    return false;
  }

  std::vector<std::vector<std::string>> setup;
  if (!options_.password.empty()) {
    if (options_.username.empty())
      setup.push_back({"AUTH", options_.password});
    else
      setup.push_back({"AUTH", options_.username, options_.password});
  }
  if (options_.db != 0)
    setup.push_back({"SELECT", std::to_string(options_.db)});
  if (!setup.empty()) {
    auto replies = round_trip(setup, "connect", error);
    if (replies.empty())
      return false;
    for (size_t i = 0; i < replies.size(); ++i) {
      if (replies[i].is_error()) {
        // Name the command, never its arguments: AUTH carries the password.
        set_error(error, "redis " + setup[i][0] + " failed: " + replies[i].text());
        close();
        return false;
      }
    }
  }
  spdlog::debug("redis connected to {} db {}{}", where, options_.db,
                options_.username.empty() ? "" : " as " + options_.username);
  return true;
}

std::vector<redis_connection::reply> redis_connection::round_trip(
  const std::vector<std::vector<std::string>>& commands, const char* what, std::string* error) {
  std::vector<std::vector<std::string_view>> views;
  views.reserve(commands.size());
  for (const auto& command : commands)
    views.emplace_back(command.begin(), command.end());
  return round_trip_views(views, what, error);
}

std::vector<redis_connection::reply> redis_connection::round_trip_views(
  const std::vector<std::vector<std::string_view>>& commands, const char* what,
  std::string* error) {
  std::vector<reply> replies;
  if (!ctx_) {
    set_error(error, "redis " + std::string(what) + ": not connected");
    return replies;
  }
  std::vector<const char*> argv;
  std::vector<size_t> argvlen;
  for (const auto& command : commands) {
    argv.clear();
    argvlen.clear();
    for (const auto& arg : command) {
      argv.push_back(arg.data());
      argvlen.push_back(arg.size());
    }
    if (redisAppendCommandArgv(ctx_, static_cast<int>(argv.size()), argv.data(), argvlen.data())
        != REDIS_OK) {
      fail_io(what, error);
      return replies;
    }
  }
  // The first redisGetReply flushes the whole output buffer, so the batch leaves in one write.
  replies.reserve(commands.size());
  for (size_t i = 0; i < commands.size(); ++i) {
    void* raw = nullptr;
    if (redisGetReply(ctx_, &raw) != REDIS_OK || raw == nullptr) {
      if (raw)
        freeReplyObject(raw);
      fail_io(what, error);
      replies.clear();
      return replies;
    }
    replies.emplace_back(static_cast<redisReply*>(raw));
  }
  return replies;
}

std::optional<std::vector<std::optional<std::string>>> redis_connection::mget(
  const std::vector<std::string>& keys, std::string* error) {
  auto timed = mget_timed(keys, false, error);
  if (!timed)
    return std::nullopt;
  std::vector<std::optional<std::string>> values;
  values.reserve(timed->size());
  for (auto& v : *timed)
    values.emplace_back(v ? std::optional<std::string>{std::move(v->value)} : std::nullopt);
  return values;
}

std::optional<std::vector<std::optional<redis_connection::timed_value>>>
redis_connection::mget_pttl(const std::vector<std::string>& keys, std::string* error) {
  return mget_timed(keys, true, error);
}

std::optional<std::vector<std::optional<redis_connection::timed_value>>>
redis_connection::mget_timed(const std::vector<std::string>& keys, bool with_pttl,
                             std::string* error) {
  std::vector<std::optional<timed_value>> values;
  if (keys.empty())
    return values;
  std::vector<std::vector<std::string>> commands;
  commands.reserve(with_pttl ? keys.size() + 1 : 1);
  commands.emplace_back(std::vector<std::string>{"MGET"});
  commands.front().reserve(keys.size() + 1);
  for (const auto& key : keys) {
    commands.front().push_back(prefixed(key));
    if (with_pttl)
      commands.push_back({"PTTL", prefixed(key)});
  }
  auto replies = round_trip(commands, "MGET", error);
  if (replies.empty())
    return std::nullopt;
  const auto& r = replies.front();
  if (r.is_error()) {
    set_error(error, "redis MGET: " + r.text());
    return std::nullopt;
  }
  if (r->type != REDIS_REPLY_ARRAY || r->elements != keys.size()) {
    set_error(error, "redis MGET: unexpected reply");
    return std::nullopt;
  }
  values.reserve(keys.size());
  for (size_t i = 0; i < r->elements; ++i) {
    const redisReply* e = r->element[i];
    int64_t pttl_ms = -1;
    if (with_pttl) {
      const auto& ttl = replies[i + 1];
      if (ttl.is_error() || ttl->type != REDIS_REPLY_INTEGER) {
        set_error(error,
                  "redis PTTL: " + (ttl.is_error() ? ttl.text() : std::string("unexpected reply")));
        return std::nullopt;
      }
      pttl_ms = static_cast<int64_t>(ttl->integer);
    }
    if (e->type == REDIS_REPLY_STRING)
      values.emplace_back(timed_value{std::string(e->str, e->len), pttl_ms});
    else
      values.emplace_back(std::nullopt);
  }
  return values;
}

namespace {

/// The arguments of `SET key value [EX ttl] [NX|XX]` as views. `names` and `ttls` own the
/// strings they point at: the caller reserves room for every item of its pipeline, so that
/// neither vector moves while views of it are out.
std::vector<std::string_view> set_command(std::vector<std::string>& names,
                                          std::vector<std::string>& ttls, std::string name,
                                          std::string_view value, uint32_t ttl_seconds,
                                          const char* condition = nullptr) {
  names.push_back(std::move(name));
  std::vector<std::string_view> argv{"SET", names.back(), value};
  if (ttl_seconds != 0) {
    ttls.push_back(std::to_string(ttl_seconds));
    argv.insert(argv.end(), {"EX", ttls.back()});
  }
  if (condition)
    argv.push_back(condition);
  return argv;
}

} // namespace

bool redis_connection::set_ex(const std::vector<set_item>& items, std::string* error) {
  if (items.empty())
    return true;
  // Views of the values, which may be 120 KB tensors: hiredis copies each into its buffer once.
  std::vector<std::string> keys, ttls; // what the views of the names and TTLs point at
  keys.reserve(items.size());
  ttls.reserve(items.size());
  std::vector<std::vector<std::string_view>> commands;
  commands.reserve(items.size());
  for (const auto& [key, value, ttl_seconds] : items)
    commands.push_back(set_command(keys, ttls, prefixed(key), value, ttl_seconds));
  auto replies = round_trip_views(commands, "SET", error);
  if (replies.empty())
    return false;
  for (size_t i = 0; i < replies.size(); ++i) {
    if (replies[i].is_error()) {
      set_error(error, "redis SET " + std::get<0>(items[i]) + ": " + replies[i].text());
      return false;
    }
  }
  return true;
}

std::optional<std::vector<bool>> redis_connection::set_if(const std::vector<cond_set_item>& items,
                                                          std::string* error) {
  std::vector<bool> applied;
  if (items.empty())
    return applied;
  std::vector<std::string> keys, ttls;
  keys.reserve(items.size());
  ttls.reserve(items.size());
  std::vector<std::vector<std::string_view>> commands;
  commands.reserve(items.size());
  for (const auto& item : items)
    commands.push_back(set_command(keys, ttls, prefixed(item.key), item.value, item.ttl_seconds,
                                   item.if_absent ? "NX" : "XX"));
  auto replies = round_trip_views(commands, "SET NX/XX", error);
  if (replies.empty())
    return std::nullopt;
  for (size_t i = 0; i < replies.size(); ++i) {
    if (replies[i].is_error()) {
      set_error(error, "redis SET " + items[i].key + ": " + replies[i].text());
      return std::nullopt;
    }
    // +OK when it was applied; a nil when the condition did not hold.
    applied.push_back(replies[i]->type != REDIS_REPLY_NIL);
  }
  return applied;
}

std::optional<std::vector<bool>> redis_connection::del(const std::vector<std::string>& keys,
                                                       std::string* error) {
  std::vector<bool> removed;
  if (keys.empty())
    return removed;
  // One DEL per key, not one DEL of all of them: its count would not say which were there.
  std::vector<std::vector<std::string>> commands;
  commands.reserve(keys.size());
  for (const auto& key : keys)
    commands.push_back({"DEL", prefixed(key)});
  auto replies = round_trip(commands, "DEL", error);
  if (replies.empty())
    return std::nullopt;
  for (size_t i = 0; i < replies.size(); ++i) {
    if (replies[i].is_error()) {
      set_error(error, "redis DEL " + keys[i] + ": " + replies[i].text());
      return std::nullopt;
    }
    removed.push_back(replies[i]->type == REDIS_REPLY_INTEGER && replies[i]->integer > 0);
  }
  return removed;
}

std::optional<int64_t> redis_connection::ttl(const std::string& key, std::string* error) {
  auto replies = round_trip({{"TTL", prefixed(key)}}, "TTL", error);
  if (replies.empty())
    return std::nullopt;
  const auto& r = replies.front();
  if (r->type != REDIS_REPLY_INTEGER) {
    set_error(error, "redis TTL: " + (r.is_error() ? r.text() : std::string("unexpected reply")));
    return std::nullopt;
  }
  return static_cast<int64_t>(r->integer);
}

bool redis_connection::ping(std::string* error) {
  auto replies = round_trip({{"PING"}}, "PING", error);
  if (replies.empty())
    return false;
  const auto& r = replies.front();
  if (r->type != REDIS_REPLY_STATUS || r.text() != "PONG") {
    set_error(error, "redis PING: " + (r.is_error() ? r.text() : std::string("unexpected reply")));
    return false;
  }
  return true;
}

} // namespace ac
