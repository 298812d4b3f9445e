// test_entry_codec.cpp: the Cap'n Proto Entry codec round-trips every kind and survives any input.
#include "messages/entry.capnp.h"
#include "messages/entry_codec.hpp"

#include <capnp/message.h>
#include <capnp/serialize.h>
#include <catch2/catch.hpp>

#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <random>
#include <stdexcept>
#include <vector>

using namespace ac;

namespace {

entry sample_text_entry() {
  entry e;
  e.kind = value_kind::text;
  e.data = "hello world";
  e.created_at_ms = 1700000000123;
  e.ttl_seconds = 300;
  e.compute_micros = 4567;
  e.produced_by = "node-a";
  return e;
}

// A tensor of `dtype` with shape {2, 3} whose bytes count 0, 1, 2, ...
entry counting_tensor(tensor_dtype dtype) {
  entry e;
  e.kind = value_kind::tensor;
  e.dtype = dtype;
  e.shape = {2, 3};
  e.data.resize(6 * tensor_dtype_size(dtype));
  for (size_t i = 0; i < e.data.size(); ++i)
    e.data[i] = static_cast<char>(i % 2); // 0/1 bytes so bool stays meaningful
  e.produced_by = "node-b";
  return e;
}

// Runs `command`, returns everything it printed on stdout.
std::string run_and_capture(const std::string& command) {
  std::string out;
  FILE* pipe = popen(command.c_str(), "r");
  if (!pipe)
    throw std::runtime_error("popen failed: " + command);
  std::array<char, 4096> buf;
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), pipe)) > 0)
    out.append(buf.data(), n);
  pclose(pipe);
  return out;
}

// What Cap'n Proto itself writes for the message in `bytes`: a deep copy of it into a builder
// with one ample segment. A copy lays the message out compactly, each object after the one that
// points at it in field order (the order encode_entry builds them in), so an encoding with a
// second segment, a gap or a stray word differs from it.
std::string reference_encoding(const std::string& bytes) {
  std::vector<capnp::word> words(bytes.size() / sizeof(capnp::word));
  std::memcpy(words.data(), bytes.data(), bytes.size());
  capnp::FlatArrayMessageReader reader(kj::arrayPtr(words.data(), words.size()));
  capnp::MallocMessageBuilder message(static_cast<unsigned>(words.size() + 64));
  message.setRoot(reader.getRoot<schema::Entry>());
  REQUIRE(message.getSegmentsForOutput().size() == 1);
  auto flat = capnp::messageToFlatArray(message); // kept: asBytes() is a view of it
  return std::string(reinterpret_cast<const char*>(flat.asBytes().begin()), flat.asBytes().size());
}

} // namespace

TEST_CASE("every kind and size encodes to exactly the bytes Cap'n Proto writes, in one segment",
          "[codec]") {
  std::vector<entry> entries;
  entries.push_back(make_bytes_entry("", 0, 0, ""));
  for (size_t n : {1, 7, 8, 9, 100, 8191, 8192, 8193, 122880, 1 << 20})
    entries.push_back(make_bytes_entry(std::string(n, 'b'), 60, 1700000000000, "node-a"));
  for (size_t n : {0, 7, 8, 5000, 70000}) {
    entry text = sample_text_entry();
    text.data = std::string(n, 't');
    entries.push_back(text);
    text.kind = value_kind::json;
    entries.push_back(text);
  }
  entries.push_back(sample_text_entry());
  entries.back().produced_by = std::string(300, 'p'); // a long node id
  auto big = make_tensor_entry(std::vector<float>(10 * 50 * 60, 0.5f), {10, 50, 60}, 300, 7,
                               "node-c", 1234); // the feature service's tensor, 120 KB
  entries.push_back(big);
  for (int d = 0; d <= static_cast<int>(tensor_dtype::float16); ++d)
    entries.push_back(counting_tensor(static_cast<tensor_dtype>(d)));

  for (const auto& e : entries) {
    CAPTURE(to_string(e.kind), e.data.size(), e.produced_by.size());
    auto bytes = encode_entry(e);
    REQUIRE(bytes.size() >= 8);
    CHECK(bytes == reference_encoding(bytes));
    CHECK(decode_entry(bytes) == e);
    CHECK(bytes.substr(0, 4) == std::string(4, '\0')); // one segment
    if (e.kind == value_kind::bytes)
      CHECK(encode_bytes_entry(e.data, e.ttl_seconds, e.created_at_ms, e.produced_by) == bytes);
  }
}

TEST_CASE("every value kind survives an encode-decode round trip", "[codec]") {
  std::vector<entry> entries;
  entries.push_back(make_bytes_entry(std::string("\0\xff\x01 binary\0", 11), 60, 42, "n1"));
  entries.push_back(sample_text_entry());
  entry json = sample_text_entry();
  json.kind = value_kind::json;
  json.data = R"({"a": [1, 2, 3], "b": null})";
  entries.push_back(json);
  entries.push_back(
    make_tensor_entry({1.5f, 2.f, -0.25f, 0.f, 3.f, 4.f}, {2, 3}, 10, 99, "n2", 77));
  entry scalar = counting_tensor(tensor_dtype::float64);
  scalar.shape = {};
  scalar.data.resize(8);
  entries.push_back(scalar);
  entries.push_back(make_bytes_entry("", 0, 0, "")); // everything empty or zero
  for (int d = 0; d <= static_cast<int>(tensor_dtype::float16); ++d)
    entries.push_back(counting_tensor(static_cast<tensor_dtype>(d)));

  for (const auto& e : entries) {
    CAPTURE(to_string(e.kind), to_string(e.dtype), e.data.size());
    auto bytes = encode_entry(e);
    REQUIRE(bytes.size() % 8 == 0);
    std::string error;
    auto decoded = decode_entry(bytes, &error);
    INFO(error);
    REQUIRE(decoded.has_value());
    CHECK(*decoded == e);
  }
}

TEST_CASE("decoding does not depend on the alignment of the input bytes", "[codec]") {
  auto bytes = encode_entry(sample_text_entry());
  for (size_t offset = 1; offset < 8; ++offset) {
    std::string shifted(offset, 'x');
    shifted += bytes;
    auto decoded = decode_entry(std::string_view(shifted).substr(offset));
    REQUIRE(decoded.has_value());
    CHECK(*decoded == sample_text_entry());
  }
}

TEST_CASE("the payload reads the same at every alignment, and garbage at any is refused",
          "[codec]") {
  auto bytes = encode_entry(make_bytes_entry(std::string(300, 'p'), 60, 1, "n1"));
  std::string scratch; // reused across reads, as the RESP edge does
  for (size_t offset = 0; offset < 8; ++offset) {
    // A word-aligned buffer shifted by `offset` bytes.
    std::vector<uint64_t> words(bytes.size() / 8 + 2);
    auto* at = reinterpret_cast<char*>(words.data()) + offset;
    std::memcpy(at, bytes.data(), bytes.size());
    std::string_view payload;
    REQUIRE(payload_of({at, bytes.size()}, payload, scratch));
    CHECK(payload == std::string(300, 'p'));
    // Read in place only where the input is aligned; else from the copy in scratch.
    CHECK((payload.data() >= at && payload.data() < at + bytes.size()) == (offset == 0));
    std::string junk(bytes.size(), '\xff');
    std::memcpy(at, junk.data(), junk.size());
    CHECK_FALSE(payload_of({at, junk.size()}, payload, scratch));
  }
}

TEST_CASE("empty input and garbage decode to nullopt with a reason", "[codec]") {
  std::string error;
  CHECK_FALSE(decode_entry("", &error));
  CHECK_FALSE(error.empty());
  error.clear();
  CHECK_FALSE(decode_entry("not a capnp message", &error));
  CHECK_FALSE(error.empty());
  error.clear();
  CHECK_FALSE(decode_entry(std::string(64, '\xff'), &error));
  CHECK_FALSE(error.empty());
  CHECK_FALSE(decode_entry(std::string(64, '\0'))); // a null root pointer is no Entry value
}

TEST_CASE("every strict prefix of a valid encoding is rejected", "[codec]") {
  for (const auto& e : {sample_text_entry(), counting_tensor(tensor_dtype::int32)}) {
    auto bytes = encode_entry(e);
    for (size_t len = 0; len < bytes.size(); ++len) {
      CAPTURE(len);
      std::string error;
      CHECK_FALSE(decode_entry(std::string_view(bytes).substr(0, len), &error));
      CHECK_FALSE(error.empty());
    }
  }
}

TEST_CASE("trailing bytes after a valid encoding are rejected", "[codec]") {
  auto bytes = encode_entry(sample_text_entry());
  std::string error;
  CHECK_FALSE(decode_entry(bytes + std::string(8, '\0'), &error));
  CHECK(error.find("trailing") != std::string::npos);
}

TEST_CASE("a flip of any single bit gives nullopt or a valid entry, never a crash", "[codec]") {
  auto bytes = encode_entry(counting_tensor(tensor_dtype::float32));
  size_t rejected = 0;
  for (size_t bit = 0; bit < bytes.size() * 8; ++bit) {
    auto flipped = bytes;
    flipped[bit / 8] = static_cast<char>(flipped[bit / 8] ^ (1 << (bit % 8)));
    auto decoded = decode_entry(flipped);
    if (!decoded)
      ++rejected;
    else
      CHECK(validate_entry(*decoded)); // whatever decodes satisfies the tensor size contract
  }
  // Flips in the segment table, pointers, the dtype or the shape break the message.
  CHECK(rejected > 0);
  // The segment count word: any flip of its low bits claims more segments than there are.
  for (int bit = 0; bit < 8; ++bit) {
    auto flipped = bytes;
    flipped[0] = static_cast<char>(flipped[0] ^ (1 << bit));
    CHECK_FALSE(decode_entry(flipped));
  }
}

TEST_CASE("the header decodes what the entry decodes and refuses what it refuses", "[codec]") {
  auto tensor = counting_tensor(tensor_dtype::float32);
  tensor.ttl_seconds = 77;
  tensor.created_at_ms = 1700000000999;
  tensor.compute_micros = 12;
  std::vector<std::string> inputs;
  for (const auto& e : {tensor, sample_text_entry()}) {
    auto bytes = encode_entry(e);
    inputs.push_back(bytes);
    for (size_t bit = 0; bit < bytes.size() * 8; ++bit) {
      auto flipped = bytes;
      flipped[bit / 8] = static_cast<char>(flipped[bit / 8] ^ (1 << (bit % 8)));
      inputs.push_back(flipped);
    }
    for (size_t n = 0; n < bytes.size(); n += 8)
      inputs.push_back(bytes.substr(0, n));
  }
  size_t refused = 0;
  for (const auto& in : inputs) {
    std::string entry_why, header_why;
    auto e = decode_entry(in, &entry_why);
    auto h = decode_header(in, &header_why);
    REQUIRE(e.has_value() == h.has_value());
    CHECK(entry_why == header_why);
    std::string_view payload;
    std::string scratch, with_payload_why;
    auto hp = decode_header(in, payload, scratch, &with_payload_why);
    REQUIRE(hp.has_value() == e.has_value());
    CHECK(with_payload_why == entry_why);
    if (e)
      CHECK(payload == e->data);
    if (!e) {
      ++refused;
      continue;
    }
    CHECK(h->kind == e->kind);
    CHECK(h->dtype == e->dtype);
    CHECK(h->shape == e->shape);
    CHECK(h->payload_bytes == e->data.size());
    CHECK(h->created_at_ms == e->created_at_ms);
    CHECK(h->ttl_seconds == e->ttl_seconds);
    CHECK(h->compute_micros == e->compute_micros);
    CHECK(h->schema_version == e->schema_version);
  }
  CHECK(refused > 0);
  auto h = decode_header(encode_entry(tensor));
  REQUIRE(h);
  CHECK(h->payload_bytes == 24);
  CHECK(h->ttl_seconds == 77);
  CHECK(h->created_at_ms == 1700000000999);
}

TEST_CASE("The header and payload read the same at every alignment, in place where aligned",
          "[codec]") {
  auto e = make_tensor_entry(std::vector<float>(60, 0.25f), {3, 20}, 30, 5, "n1");
  auto bytes = encode_entry(e);
  std::string scratch; // reused, as the RESP edge does
  for (size_t offset = 0; offset < 8; ++offset) {
    std::vector<uint64_t> words(bytes.size() / 8 + 2);
    auto* at = reinterpret_cast<char*>(words.data()) + offset;
    std::memcpy(at, bytes.data(), bytes.size());
    std::string_view payload;
    auto h = decode_header({at, bytes.size()}, payload, scratch);
    REQUIRE(h);
    CHECK(h->shape == e.shape);
    CHECK(payload == e.data);
    CHECK((payload.data() >= at && payload.data() < at + bytes.size()) == (offset == 0));
  }
}

TEST_CASE("random words with a plausible segment table never crash the decoder", "[codec]") {
  std::mt19937_64 rng(12345);
  for (int round = 0; round < 20000; ++round) {
    size_t words = 2 + rng() % 24;
    std::string buf(words * 8, '\0');
    for (size_t i = 0; i < buf.size(); i += 8) {
      uint64_t w = rng();
      std::memcpy(&buf[i], &w, 8);
    }
    uint32_t seg_count_minus_one = 0;
    uint32_t seg_words = static_cast<uint32_t>(words - 1);
    std::memcpy(&buf[0], &seg_count_minus_one, 4);
    std::memcpy(&buf[4], &seg_words, 4);
    auto decoded = decode_entry(buf);
    if (decoded)
      CHECK(validate_entry(*decoded));
  }
}

TEST_CASE("a tensor whose data size does not match its shape is rejected", "[codec]") {
  auto e = counting_tensor(tensor_dtype::float32);
  e.data.pop_back();
  std::string error;
  CHECK_FALSE(validate_entry(e, &error));
  CHECK_FALSE(decode_entry(encode_entry(e), &error));
  CHECK(error.find("tensor data is 23 bytes") != std::string::npos);

  e = counting_tensor(tensor_dtype::float32);
  e.shape = {1ull << 40, 1ull << 40}; // element count overflows 64 bits
  CHECK_FALSE(decode_entry(encode_entry(e), &error));
  CHECK(error.find("overflow") != std::string::npos);

  e.shape = {0, 5}; // zero elements need zero bytes
  e.data.clear();
  CHECK(decode_entry(encode_entry(e)).has_value());

  CHECK_THROWS_AS(make_tensor_entry({1.f, 2.f, 3.f}, {2, 2}, 0, 0, ""), std::invalid_argument);
}

TEST_CASE("an entry of an unknown schema version is refused", "[codec]") {
  auto e = sample_text_entry();
  e.schema_version = entry_schema_version + 1;
  std::string error;
  CHECK_FALSE(decode_entry(encode_entry(e), &error));
  CHECK(error.find("schema version") != std::string::npos);
}

TEST_CASE("render_value prints plain values as they are and tensors with dtype and shape",
          "[codec]") {
  CHECK(render_value(make_bytes_entry("abc", 0, 0, "")) == "abc");
  CHECK(render_value(sample_text_entry()) == "hello world");
  CHECK(render_value(make_tensor_entry({1.5f, 2.f, -0.25f, 0.f, 3.f, 4.f}, {2, 3}, 0, 0, ""))
        == "tensor float32 [2,3] [1.5, 2, -0.25, 0, 3, 4]");

  auto ints = counting_tensor(tensor_dtype::int16); // bytes 0,1 -> 256 per element
  CHECK(render_value(ints) == "tensor int16 [2,3] [256, 256, 256, 256, 256, 256]");
  auto bools = counting_tensor(tensor_dtype::boolean);
  CHECK(render_value(bools) == "tensor bool [2,3] [false, true, false, true, false, true]");

  std::vector<float> many(100, 1.f);
  auto big = render_value(make_tensor_entry(many, {10, 10}, 0, 0, ""));
  CHECK(big.rfind("tensor float32 [10,10] [1, 1, ", 0) == 0);
  REQUIRE(big.size() >= 6);
  CHECK(big.substr(big.size() - 6) == ", ...]");
  size_t ones = 0;
  for (size_t p = big.find("] [") + 3; (p = big.find('1', p)) != std::string::npos; ++p)
    ++ones;
  CHECK(ones == 64);
}

TEST_CASE("dtype names parse back and sizes follow the type", "[codec]") {
  for (int d = 0; d <= static_cast<int>(tensor_dtype::float16); ++d) {
    auto t = static_cast<tensor_dtype>(d);
    CHECK(parse_dtype(to_string(t)) == t);
  }
  CHECK_FALSE(parse_dtype("complex128"));
  CHECK(tensor_dtype_size(tensor_dtype::uint8) == 1);
  CHECK(tensor_dtype_size(tensor_dtype::float16) == 2);
  CHECK(tensor_dtype_size(tensor_dtype::float32) == 4);
  CHECK(tensor_dtype_size(tensor_dtype::int64) == 8);
}

TEST_CASE("the capnp command-line tool decodes what encode_entry writes", "[codec]") {
  REQUIRE(std::system("capnp --version >/dev/null 2>&1") == 0); // Debian's capnproto package
  char path[] = "/tmp/ac_entry_XXXXXX";
  int fd = mkstemp(path);
  REQUIRE(fd >= 0);
  close(fd);
  auto tensor = make_tensor_entry({1.5f, 2.f}, {2}, 5, 6, "node-t");
  for (const auto& [e, expected] :
       {std::pair{sample_text_entry(), std::string("text = \"hello world\"")},
        std::pair{tensor, std::string("dtype = float32")}}) {
    auto bytes = encode_entry(e);
    std::ofstream(path, std::ios::binary).write(bytes.data(), static_cast<long>(bytes.size()));
    auto out = run_and_capture("capnp decode " AC_SOURCE_DIR "/messages/entry.capnp Entry < "
                               + std::string(path) + " 2>&1");
    INFO(out);
    CHECK(out.find(expected) != std::string::npos);
    CHECK(out.find("producedBy = \"" + e.produced_by + "\"") != std::string::npos);
  }
  unlink(path);
}
