// fuzz_fast_frame.cpp: libFuzzer target: the fast protocol's frame_reader and parse_request/parse_answer never crash on any bytes, and what they accept re-encodes to the same bytes.
#include "core/fast_frame.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "tests/fuzz/fuzz_check.hpp"

namespace {

using ac::fuzz::check;

/// lookup_result's fields, to instantiate the answer templates.
using result = ac::fast::plain_result;

/// Parses `body` every way a peer might; what is accepted must encode back to it.
void parse_body(std::string_view body) {
  if (auto r = ac::fast::parse_request(body)) {
    // The request encoding is canonical: re-encoding gives the same body.
    std::string frame;
    ac::fast::append_request(frame, *r);
    check(frame.size() == body.size() + 4 && std::string_view{frame}.substr(4) == body);
  }
  ac::fast::answer_head head;
  std::vector<result> results;
  ac::fast::failure failed;
  if (!ac::fast::parse_answer(body, head, results, failed))
    return;
  std::string frame;
  if (head.what == ac::fast::answer_kind::results) {
    // Flag bits besides found and hot are dropped; the rest re-encodes unchanged.
    ac::fast::append_results(frame, head.id, results);
    check(frame.size() == body.size() + 4);
    ac::fast::answer_head head2;
    std::vector<result> again;
    ac::fast::failure failed2;
    check(ac::fast::parse_answer(std::string_view{frame}.substr(4), head2, again, failed2));
    check(head2.what == head.what && head2.id == head.id && again.size() == results.size());
    for (size_t i = 0; i < again.size(); ++i)
      check(again[i].found == results[i].found && again[i].hot == results[i].hot &&
            again[i].source == results[i].source && again[i].value == results[i].value);
  } else {
    check(head.what == ac::fast::answer_kind::error && failed.id == head.id);
    ac::fast::append_failure(frame, failed);
    check(frame.size() == body.size() + 4 && std::string_view{frame}.substr(4) == body);
  }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  // The raw input as one body.
  parse_body(input);
  if (size == 0)
    return 0;
  // The input as a byte stream, in two reads split at the first byte's value.
  size_t split = data[0] % size;
  ac::fast::frame_reader reader{1u << 20};
  std::string rebuilt; // the frames that came out, length prefixes and all
  for (auto chunk : {input.substr(0, split), input.substr(split)}) {
    reader.feed(chunk);
    while (auto body = reader.next()) {
      check(body->size() <= (1u << 20));
      ac::fast::put_u32(rebuilt, static_cast<uint32_t>(body->size()));
      rebuilt.append(*body);
      parse_body(*body);
    }
  }
  // The frames are the front of the stream, and what is left is not a whole frame.
  check(input.substr(0, rebuilt.size()) == rebuilt);
  auto rest = input.substr(rebuilt.size());
  if (rest.size() >= 4) {
    ac::fast::cursor c{rest};
    uint32_t len = c.u32();
    check(reader.failed() == (len > (1u << 20)));
    check(reader.failed() || rest.size() < 4 + size_t{len});
  } else {
    check(!reader.failed());
  }
  return 0;
}
