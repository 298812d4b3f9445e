// Reads Redis requests from a byte stream: arrays of bulk strings through hiredis's redisReader, and inline commands.
//
// hiredis parses the RESP; this class only bounds what it may buffer (a declared bulk or
// array larger than the limits is refused before its bytes arrive) and refuses what a
// request cannot be (nested arrays, integers, nil elements). Inline commands ("PING\r\n"
// typed into telnet) are not RESP values, so hiredis cannot read them: they are split on
// whitespace here, as Redis does for its inline protocol, up to 64 KiB a line.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

struct redisReader;

namespace ac::resp {

struct reader_limits {
  size_t max_bulk_bytes = 8u << 20;     ///< one argument (a value) at most this long
  size_t max_args = 20100;              ///< arguments of one command (MSET of 10,000 keys fits)
  size_t max_inline_bytes = 64u << 10;  ///< one inline command line
  size_t max_request_bytes = 64u << 20; ///< all the arguments of one command together
};

/// What a connection that has not authenticated yet may send (Redis's limits for the same):
/// AUTH or HELLO fits, a 160 GB MSET does not.
inline constexpr reader_limits unauthenticated_limits{16384, 10, 16384, 1u << 20};

class request_reader {
public:
  enum class status { ready, incomplete, error };

  explicit request_reader(reader_limits limits = {});
  ~request_reader();
  request_reader(const request_reader&) = delete;
  request_reader& operator=(const request_reader&) = delete;

  /// Appends bytes read from the socket.
  void feed(const char* data, size_t n);

  /// The next complete command into `argv` (ready), or incomplete (feed more), or error with a
  /// Redis-style message in `err` ("ERR Protocol error: ..."): the stream cannot be trusted
  /// after that, so the connection should answer the error and close.
  status next(std::vector<std::string>& argv, std::string& err);

  /// Bytes fed but not yet returned as commands.
  size_t buffered() const;

  /// The limits from the next command on (a connection that authenticated gets its full ones).
  void set_limits(const reader_limits& limits);

  /// What one request read so far holds, checked as hiredis hands over each argument.
  struct request_bounds {
    size_t max_args = 0;
    size_t max_bytes = 0;
    size_t bytes = 0;       ///< of the request being read
    bool too_large = false; ///< it passed max_bytes: the reader stops with an error
  };

private:
  /// The inline command at the buffer's start; none when next() should go on reading (blank
  /// lines skipped, or a RESP request follows).
  std::optional<status> next_inline(std::vector<std::string>& argv, std::string& err);
  bool declared_sizes_ok(std::string& err) const;

  reader_limits limits_;
  request_bounds bounds_;
  redisReader* reader_;
  std::string inline_buf_; // bytes of an inline command line not finished yet
  bool in_resp_ = false;   // hiredis holds a partial RESP request
};

} // namespace ac::resp
