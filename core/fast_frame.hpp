// The fast lookup protocol's frames: length-prefixed get_many requests and their answers, and an incremental reader.
//
// Clients send lookups to a node's fast port (node.fast-port) as frames instead of CAF
// messages: one syscall and no BASP hop per side (bench/RESULTS.md has the numbers). A
// frame is a little-endian u32 body length, then the body:
//   request:  u8 kind (1 get_many, 2 routed get_many) | u64 id | u64 epoch | u32 n | n x (u32 len, key)
//   answer:   u8 kind (1 results) | u64 id | u32 n | n x (u8 flags: found 1, hot 2 | u8 source | u32 len, value)
//             u8 kind (2 error)   | u64 id | u8 code | u32 len, reason
// Ids are the client's own; answers may come in any order. Everything here is pure and
// never throws on bad bytes: a parse failure is reported and the caller drops the connection.
#pragma once

#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ac {

namespace fast {

/// The first byte of a request body.
enum class request_kind : uint8_t { get_many = 1, routed_get_many = 2 };
/// The first byte of an answer body.
enum class answer_kind : uint8_t { results = 1, error = 2 };

/// A batch of keys to read, as the node's front reads them (get_many, or route_atom get_many
/// with the sender's membership epoch when the client already routed the keys to their owner).
struct request {
  uint64_t id = 0;
  bool routed = false;
  uint64_t epoch = 0;
  std::vector<std::string> keys;
};

/// An answer that is not a list of results: the whole batch failed with an actorcache error
/// code (messages/errors.hpp) and a reason.
struct failure {
  uint64_t id = 0;
  uint8_t code = 0;
  std::string reason;
};

/// One key's answer with lookup_result's fields, for code without CAF (tests, fuzzing); the
/// node and the client instantiate the templates below with lookup_result itself.
struct plain_result {
  bool found = false;
  uint8_t source = 0;
  std::string value;
  bool hot = false;
};

// -- writing --------------------------------------------------------------------------------

inline void put_u8(std::string& out, uint8_t x) { out.push_back(static_cast<char>(x)); }

inline void put_u32(std::string& out, uint32_t x) {
  char b[4];
  for (int i = 0; i < 4; ++i)
    b[i] = static_cast<char>(x >> (8 * i));
  out.append(b, 4);
}

inline void put_u64(std::string& out, uint64_t x) {
  char b[8];
  for (int i = 0; i < 8; ++i)
    b[i] = static_cast<char>(x >> (8 * i));
  out.append(b, 8);
}

/// Starts a frame: reserves its length prefix; finish_frame fills it in.
inline size_t begin_frame(std::string& out) {
  size_t at = out.size();
  put_u32(out, 0);
  return at;
}

inline void finish_frame(std::string& out, size_t at) {
  auto len = static_cast<uint32_t>(out.size() - at - 4);
  for (int i = 0; i < 4; ++i)
    out[at + static_cast<size_t>(i)] = static_cast<char>(len >> (8 * i));
}

/// Appends one request frame.
void append_request(std::string& out, uint64_t id, bool routed, uint64_t epoch,
                    const std::vector<std::string>& keys);
inline void append_request(std::string& out, const request& r) {
  append_request(out, r.id, r.routed, r.epoch, r.keys);
}

/// Appends one results frame. R has the fields of lookup_result (found, source, hot, value);
/// a template so that core needs no CAF and the node encodes its answers without copies.
template <class R>
void append_results(std::string& out, uint64_t id, const std::vector<R>& results) {
  size_t at = begin_frame(out);
  put_u8(out, static_cast<uint8_t>(answer_kind::results));
  put_u64(out, id);
  put_u32(out, static_cast<uint32_t>(results.size()));
  for (const auto& r : results) {
    put_u8(out, static_cast<uint8_t>((r.found ? 1 : 0) | (r.hot ? 2 : 0)));
    put_u8(out, r.source);
    put_u32(out, static_cast<uint32_t>(r.value.size()));
    out.append(r.value);
  }
  finish_frame(out, at);
}

/// Appends one error frame.
void append_failure(std::string& out, const failure& f);

// -- reading --------------------------------------------------------------------------------

/// Reads little-endian fields off a frame body; any read past the end sets `bad`.
class cursor {
public:
  explicit cursor(std::string_view body) : rest_(body) {}

  uint8_t u8() { return static_cast<uint8_t>(take(1)[0]); }
  uint32_t u32() { return static_cast<uint32_t>(le(take(4))); }
  uint64_t u64() { return le(take(8)); }
  /// A u32 length, then that many bytes.
  std::string_view bytes() {
    uint32_t n = u32();
    return take(n);
  }
  bool bad() const { return bad_; }
  bool at_end() const { return rest_.empty(); }
  size_t left() const { return rest_.size(); }

private:
  std::string_view take(size_t n) {
    static const char zeros[8] = {};
    if (bad_ || rest_.size() < n) {
      bad_ = true;
      rest_ = {};
      return n <= sizeof zeros ? std::string_view{zeros, n} : std::string_view{};
    }
    auto v = rest_.substr(0, n);
    rest_.remove_prefix(n);
    return v;
  }
  static uint64_t le(std::string_view b) {
    uint64_t x = 0;
    for (size_t i = 0; i < b.size(); ++i)
      x |= static_cast<uint64_t>(static_cast<uint8_t>(b[i])) << (8 * i);
    return x;
  }

  std::string_view rest_;
  bool bad_ = false;
};

/// Parses a request body; nullopt when it is malformed (wrong kind, truncated, trailing bytes).
std::optional<request> parse_request(std::string_view body);

/// The kind and id of an answer body, read before its payload.
struct answer_head {
  answer_kind what = answer_kind::results;
  uint64_t id = 0;
};

/// Parses an answer body: results into `results` (R as in append_results), or `failed`.
/// False when the body is malformed.
template <class R>
bool parse_answer(std::string_view body, answer_head& head, std::vector<R>& results,
                  failure& failed) {
  cursor c{body};
  uint8_t k = c.u8();
  head.id = c.u64();
  if (k == static_cast<uint8_t>(answer_kind::results)) {
    head.what = answer_kind::results;
    uint32_t n = c.u32();
    if (c.bad() || n > c.left() / 6) // each result takes at least 6 bytes
      return false;
    results.clear();
    results.resize(n);
    for (auto& r : results) {
      uint8_t flags = c.u8();
      r.found = (flags & 1) != 0;
      r.hot = (flags & 2) != 0;
      r.source = c.u8();
      r.value = std::string{c.bytes()};
    }
    return !c.bad() && c.at_end();
  }
  if (k == static_cast<uint8_t>(answer_kind::error)) {
    head.what = answer_kind::error;
    failed.id = head.id;
    failed.code = c.u8();
    failed.reason = std::string{c.bytes()};
    return !c.bad() && c.at_end();
  }
  return false;
}

/// Splits a byte stream into frame bodies. Feed what the socket gave; take bodies while
/// next() has one. A frame longer than `max_body` is an error (the stream is then useless).
class frame_reader {
public:
  explicit frame_reader(uint32_t max_body) : max_body_(max_body) {}

  /// Room for at least `n` more bytes at the end of the buffer (read the socket into it).
  char* prepare(size_t n);
  /// `n` bytes were written at prepare()'s pointer.
  void commit(size_t n) { end_ += n; }
  /// Copies bytes in (tests, fuzzing).
  void feed(std::string_view bytes);

  /// The next complete body, valid until the next call of any member; nullopt when more bytes
  /// are needed or after an error.
  std::optional<std::string_view> next();

  bool failed() const { return failed_; }

private:
  uint32_t max_body_;
  std::string buf_;
  size_t begin_ = 0;  // first unread byte
  size_t end_ = 0;    // one past the last byte read in
  bool failed_ = false;
};

} // namespace fast

} // namespace ac
