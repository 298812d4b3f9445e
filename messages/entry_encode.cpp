// entry_encode.cpp: Entry -> Cap'n Proto bytes, built in place in the string returned (see entry_codec.hpp).
#include "messages/entry.capnp.h"
#include "messages/entry_codec.hpp"

#include <capnp/message.h>
#include <capnp/serialize.h>

#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

namespace ac {

namespace {

/// Words an Entry needs besides its blobs: the root pointer, Entry (3 data + 2 pointer words) and
/// Tensor (1 + 2) are 9; the rest is room to spare. An estimate that falls short is still
/// encoded right, through a second segment and one more copy.
constexpr size_t fixed_words = 16;
size_t data_words(size_t bytes) { return (bytes + 7) / 8; }
size_t text_words(size_t bytes) { return bytes / 8 + 1; } // with its NUL

/// A message builder whose first segment is the caller's zeroed buffer, kept as built.
/// Why not MallocMessageBuilder: its default first segment is 8 KiB calloc'd per message (a
/// memset per 100-byte SET; for a 120 KB tensor a second segment that jemalloc hands back as
/// fresh pages, faulted in on every put), the flat copy and the string copy come on top, and
/// given a buffer of ours it zeroes that buffer when destroyed. MessageBuilder's
/// allocateSegment is the extension point Cap'n Proto documents for this.
class in_place_builder final : public capnp::MessageBuilder {
public:
  explicit in_place_builder(kj::ArrayPtr<capnp::word> first) : first_(first) {}

  kj::ArrayPtr<capnp::word> allocateSegment(unsigned minimum) override {
    if (!first_taken_) {
      first_taken_ = true;
      if (first_.size() >= minimum)
        return first_;
    }
    auto words = std::max<size_t>(minimum, 1024);
    more_.push_back(kj::heapArray<capnp::word>(words));
    auto seg = more_.back().asPtr();
    std::memset(seg.begin(), 0, seg.size() * sizeof(capnp::word));
    return seg;
  }

private:
  kj::ArrayPtr<capnp::word> first_;
  bool first_taken_ = false;
  std::vector<kj::Array<capnp::word>> more_;
};

std::string flat_string(const kj::Array<capnp::word>& words) {
  auto bytes = words.asBytes();
  return std::string(reinterpret_cast<const char*>(bytes.begin()), bytes.size());
}

/// Builds an Entry with `fill` and returns its standard unpacked encoding (what
/// capnp::messageToFlatArray writes). The message is built inside the string it returns,
/// behind room for the segment table, so the value is copied once, into its place; only when
/// `words` fell short does it take the general path.
template <class Fill>
std::string encode_with(size_t words, Fill&& fill) {
  constexpr size_t word = sizeof(capnp::word);
  std::string out(word + words * word, '\0'); // zeroed, as a segment must be
  // A string's heap buffer comes from operator new, 16-aligned, so the segment, a word in, is
  // word-aligned; the general path covers a library where that does not hold.
  auto* first = reinterpret_cast<capnp::word*>(out.data() + word);
  if (reinterpret_cast<uintptr_t>(first) % alignof(capnp::word) != 0) {
    capnp::MallocMessageBuilder message(static_cast<unsigned>(words));
    fill(message.initRoot<schema::Entry>());
    return flat_string(capnp::messageToFlatArray(message));
  }
  in_place_builder message(kj::arrayPtr(first, words));
  fill(message.initRoot<schema::Entry>());
  auto segments = message.getSegmentsForOutput();
  if (segments.size() != 1 || segments[0].begin() != first) {
    return flat_string(capnp::messageToFlatArray(segments));
  }
  // The segment table of a one-segment message: segment count - 1 (0), then its size in words,
  // both little-endian 32-bit.
  auto size = static_cast<uint32_t>(segments[0].size());
  for (size_t i = 0; i < 4; ++i) {
    out[i] = 0;
    out[4 + i] = static_cast<char>((size >> (8 * i)) & 0xff);
  }
  out.resize(word + size * word);
  return out;
}

void set_metadata(schema::Entry::Builder root, int64_t created_at_ms, uint32_t ttl_seconds,
                  uint32_t compute_micros, std::string_view produced_by, uint16_t version) {
  root.setCreatedAtMs(created_at_ms);
  root.setTtlSeconds(ttl_seconds);
  root.setComputeMicros(compute_micros);
  root.setProducedBy(capnp::Text::Reader(produced_by.data(), produced_by.size()));
  root.setSchemaVersion(version);
}

capnp::Data::Reader as_data(std::string_view s) {
  return capnp::Data::Reader(reinterpret_cast<const kj::byte*>(s.data()), s.size());
}

} // namespace

std::string encode_entry(const entry& e) {
  size_t words =
    fixed_words + e.shape.size() + text_words(e.produced_by.size())
    + (e.kind == value_kind::text || e.kind == value_kind::json ? text_words(e.data.size())
                                                                : data_words(e.data.size()));
  return encode_with(words, [&](schema::Entry::Builder root) {
    auto value = root.initValue();
    switch (e.kind) {
      case value_kind::bytes:
        value.setBytes(as_data(e.data));
        break;
      case value_kind::text:
        value.setText(capnp::Text::Reader(e.data.c_str(), e.data.size()));
        break;
      case value_kind::json:
        value.setJson(capnp::Text::Reader(e.data.c_str(), e.data.size()));
        break;
      case value_kind::tensor: {
        auto tensor = value.initTensor();
        tensor.setDtype(static_cast<schema::Dtype>(e.dtype));
        auto shape = tensor.initShape(static_cast<unsigned>(e.shape.size()));
        for (unsigned i = 0; i < e.shape.size(); ++i)
          shape.set(i, e.shape[i]);
        tensor.setData(as_data(e.data));
        break;
      }
    }
    set_metadata(root, e.created_at_ms, e.ttl_seconds, e.compute_micros, e.produced_by,
                 e.schema_version);
  });
}

std::string encode_bytes_entry(std::string_view value, uint32_t ttl_seconds, int64_t now_ms,
                               std::string_view produced_by) {
  size_t words = fixed_words + data_words(value.size()) + text_words(produced_by.size());
  return encode_with(words, [&](schema::Entry::Builder root) {
    root.initValue().setBytes(as_data(value));
    set_metadata(root, now_ms, ttl_seconds, 0, produced_by, entry_schema_version);
  });
}

} // namespace ac
