// The fast lookup protocol's frames: request encoding and parsing, error frames, the incremental frame reader.
#include "core/fast_frame.hpp"

namespace ac::fast {

void append_request(std::string& out, uint64_t id, bool routed, uint64_t epoch,
                    const std::vector<std::string>& keys) {
  size_t at = begin_frame(out);
  put_u8(out, static_cast<uint8_t>(routed ? request_kind::routed_get_many : request_kind::get_many));
  put_u64(out, id);
  put_u64(out, epoch);
  put_u32(out, static_cast<uint32_t>(keys.size()));
  for (const auto& k : keys) {
    put_u32(out, static_cast<uint32_t>(k.size()));
    out.append(k);
  }
  finish_frame(out, at);
}

void append_failure(std::string& out, const failure& f) {
  size_t at = begin_frame(out);
  put_u8(out, static_cast<uint8_t>(answer_kind::error));
  put_u64(out, f.id);
  put_u8(out, f.code);
  put_u32(out, static_cast<uint32_t>(f.reason.size()));
  out.append(f.reason);
  finish_frame(out, at);
}

std::optional<request> parse_request(std::string_view body) {
  cursor c{body};
  request r;
  uint8_t k = c.u8();
  if (k != static_cast<uint8_t>(request_kind::get_many) && k != static_cast<uint8_t>(request_kind::routed_get_many))
    return std::nullopt;
  r.routed = k == static_cast<uint8_t>(request_kind::routed_get_many);
  r.id = c.u64();
  r.epoch = c.u64();
  uint32_t n = c.u32();
  if (c.bad() || n > c.left() / 4) // each key takes at least its 4-byte length
    return std::nullopt;
  r.keys.reserve(n);
  for (uint32_t i = 0; i < n; ++i)
    r.keys.emplace_back(c.bytes());
  if (c.bad() || !c.at_end())
    return std::nullopt;
  return r;
}

char* frame_reader::prepare(size_t n) {
  if (begin_ == end_) {
    begin_ = end_ = 0; // everything consumed: start over at the front
  } else if (begin_ > 0 && buf_.size() - end_ < n) {
    buf_.erase(0, begin_); // move the partial frame to the front before growing
    end_ -= begin_;
    begin_ = 0;
  }
  if (buf_.size() - end_ < n)
    buf_.resize(end_ + n);
  return buf_.data() + end_;
}

void frame_reader::feed(std::string_view bytes) {
  std::memcpy(prepare(bytes.size()), bytes.data(), bytes.size());
  commit(bytes.size());
}

std::optional<std::string_view> frame_reader::next() {
  if (failed_ || end_ - begin_ < 4)
    return std::nullopt;
  cursor head{std::string_view{buf_.data() + begin_, 4}};
  uint32_t len = head.u32();
  if (len > max_body_) {
    failed_ = true;
    return std::nullopt;
  }
  if (end_ - begin_ < 4 + static_cast<size_t>(len))
    return std::nullopt;
  std::string_view body{buf_.data() + begin_ + 4, len};
  begin_ += 4 + static_cast<size_t>(len);
  return body;
}

} // namespace ac::fast
