// Reads Redis requests from a byte stream (see resp_reader.hpp).
#include "net/resp_reader.hpp"

#include <cstdlib>
#include <cstring>

#include <hiredis/read.h>

namespace ac::resp {

namespace {

// Objects hiredis builds for us: the top-level array becomes the argv vector itself, its
// strings are appended to it as they arrive (no reply tree, no copies into redisReply).
char element_marker; // what createString returns for an element (never freed)

using bounds_t = request_reader::request_bounds;

void* create_string(const redisReadTask* task, char* str, size_t len) {
  if (task->parent == nullptr || task->type != REDIS_REPLY_STRING)
    return nullptr; // a request is an array of bulk strings; +simple or -error is not
  // Each bulk is bounded before its bytes arrive (declared_sizes_ok); the arguments hiredis has
  // handed over are not in its buffer any more, so their sum is bounded here.
  auto* bounds = static_cast<bounds_t*>(task->privdata);
  bounds->bytes += len;
  if (bounds->bytes > bounds->max_bytes) {
    bounds->too_large = true;
    return nullptr;
  }
  auto* argv = static_cast<std::vector<std::string>*>(task->parent->obj);
  argv->emplace_back(str, len);
  return &element_marker;
}

void* create_array(const redisReadTask* task, int elements) {
  if (task->parent != nullptr || elements < 0)
    return nullptr; // nested arrays are never a command
  auto* bounds = static_cast<bounds_t*>(task->privdata);
  bounds->bytes = 0;
  if (static_cast<size_t>(elements) > bounds->max_args)
    return nullptr;
  auto* argv = new std::vector<std::string>;
  argv->reserve(static_cast<size_t>(elements));
  return argv;
}

void* create_integer(const redisReadTask*, long long) { return nullptr; }
void* create_nil(const redisReadTask*) { return nullptr; }

void free_object(void* obj) {
  if (obj != nullptr && obj != &element_marker)
    delete static_cast<std::vector<std::string>*>(obj);
}

redisReplyObjectFunctions request_functions = {create_string, create_array, create_integer,
                                               create_nil, free_object};

redisReader* make_reader(bounds_t* bounds) {
  auto* r = redisReaderCreateWithFunctions(&request_functions);
  r->privdata = bounds;
  return r;
}

} // namespace

request_reader::request_reader(reader_limits limits) : reader_(make_reader(&bounds_)) {
  set_limits(limits);
}

void request_reader::set_limits(const reader_limits& limits) {
  limits_ = limits;
  bounds_.max_args = limits.max_args;
  bounds_.max_bytes = limits.max_request_bytes;
}

request_reader::~request_reader() { redisReaderFree(reader_); }

size_t request_reader::buffered() const {
  return inline_buf_.size() + (reader_->len - reader_->pos);
}

void request_reader::feed(const char* data, size_t n) {
  // A RESP request goes to hiredis at once, as next() would pass it on: a 120 KB SET is not
  // copied through inline_buf_ first.
  if (!in_resp_ && inline_buf_.empty() && n > 0 && data[0] == '*')
    in_resp_ = true;
  if (in_resp_)
    redisReaderFeed(reader_, data, n);
  else
    inline_buf_.append(data, n);
}

// hiredis waits for a whole bulk before it calls createString: a client declaring
// "$9999999999" would make us buffer forever. Peek at the length line of the bulk (or array)
// hiredis is waiting on and refuse what exceeds the limits before its bytes arrive.
bool request_reader::declared_sizes_ok(std::string& err) const {
  const char* p = reader_->buf + reader_->pos;
  size_t avail = reader_->len - reader_->pos;
  // hiredis has consumed the '$' when it waits for a bulk: the task on top of its stack says
  // what it waits for, and the length line is next in the buffer.
  bool bulk_next = avail > 0 && *p == '$';
  bool in_bulk = reader_->ridx >= 0 && reader_->rstack[reader_->ridx].type == REDIS_REPLY_STRING;
  if ((bulk_next || in_bulk) && std::memchr(p, '\n', avail) != nullptr) {
    long long n = std::strtoll(bulk_next ? p + 1 : p, nullptr, 10);
    if (n < 0 || static_cast<unsigned long long>(n) > limits_.max_bulk_bytes) {
      err = "ERR Protocol error: invalid bulk length";
      return false;
    }
  }
  if (avail > limits_.max_bulk_bytes + (1u << 20) + limits_.max_args * 16) {
    err = "ERR Protocol error: request too large";
    return false;
  }
  return true;
}

request_reader::status request_reader::next(std::vector<std::string>& argv, std::string& err) {
  for (;;) {
    if (!in_resp_) {
      if (inline_buf_.empty())
        return status::incomplete;
      if (inline_buf_[0] != '*') {
        if (auto s = next_inline(argv, err))
          return *s;
        continue; // blank lines skipped, or a RESP request follows
      }
      redisReaderFeed(reader_, inline_buf_.data(), inline_buf_.size());
      inline_buf_.clear();
      in_resp_ = true;
    }
    void* reply = nullptr;
    if (redisReaderGetReply(reader_, &reply) != REDIS_OK) {
      err = std::string{"ERR Protocol error: "}
            + (bounds_.too_large               ? "request too large"
               : reader_->err == REDIS_ERR_OOM ? "invalid multibulk length"
                                               : reader_->errstr);
      return status::error;
    }
    if (reply == nullptr) {
      if (!declared_sizes_ok(err))
        return status::error;
      if (reader_->ridx < 0 && reader_->pos == reader_->len)
        in_resp_ = false; // no request begun, nothing buffered: the next one may be inline
      return status::incomplete;
    }
    auto* args = static_cast<std::vector<std::string>*>(reply);
    argv = std::move(*args);
    delete args;
    // What follows the request decides the next mode: another array stays with hiredis;
    // an inline line (rare: mixed protocols on one connection) moves back to our buffer.
    if (reader_->pos == reader_->len) {
      in_resp_ = false;
    } else if (reader_->buf[reader_->pos] != '*') {
      inline_buf_.assign(reader_->buf + reader_->pos, reader_->len - reader_->pos);
      redisReaderFree(reader_);
      reader_ = make_reader(&bounds_);
      in_resp_ = false;
    }
    if (argv.empty())
      continue; // "*0\r\n": Redis ignores an empty request
    return status::ready;
  }
}

std::optional<request_reader::status> request_reader::next_inline(std::vector<std::string>& argv,
                                                                  std::string& err) {
  // Empty lines are skipped, and next() loops: calling it from here would nest once per line.
  size_t blank = inline_buf_.find_first_not_of("\r\n");
  if (blank == std::string::npos) {
    inline_buf_.clear();
    return status::incomplete;
  }
  inline_buf_.erase(0, blank);
  if (inline_buf_[0] == '*')
    return std::nullopt;
  auto eol = inline_buf_.find('\n');
  if (eol == std::string::npos) {
    if (inline_buf_.size() > limits_.max_inline_bytes) {
      err = "ERR Protocol error: too big inline request";
      return status::error;
    }
    return status::incomplete;
  }
  if (eol > limits_.max_inline_bytes) {
    err = "ERR Protocol error: too big inline request";
    return status::error;
  }
  argv.clear();
  size_t i = 0;
  auto end = eol > 0 && inline_buf_[eol - 1] == '\r' ? eol - 1 : eol;
  while (i < end) {
    while (i < end && (inline_buf_[i] == ' ' || inline_buf_[i] == '\t'))
      ++i;
    auto start = i;
    while (i < end && inline_buf_[i] != ' ' && inline_buf_[i] != '\t')
      ++i;
    if (i > start)
      argv.emplace_back(inline_buf_, start, i - start);
  }
  inline_buf_.erase(0, eol + 1);
  if (argv.size() > limits_.max_args) {
    err = "ERR Protocol error: invalid multibulk length";
    return status::error;
  }
  if (argv.empty())
    return std::nullopt; // a line of blanks: Redis ignores it
  return status::ready;
}

} // namespace ac::resp
