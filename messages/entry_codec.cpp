// entry_codec.cpp: Cap'n Proto bytes -> Entry (decoding and its checks), dtype helpers, constructors.
// Encoding is in entry_encode.cpp, render_value (which needs no capnp) in entry_render.cpp; these
// files are the only ones that include capnp headers.
#include "messages/entry_codec.hpp"

#include "core/enum_names.hpp"
#include "messages/entry.capnp.h"

#include <capnp/message.h>
#include <capnp/serialize.h>
#include <kj/exception.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <limits>
#include <stdexcept>

namespace ac {

namespace {

using schema_dtype = schema::Dtype;

// The two enums list the same dtypes in the same order; these keep that true at compile time.
static_assert(static_cast<uint16_t>(schema_dtype::FLOAT16)
              == static_cast<uint16_t>(tensor_dtype::float16));
static_assert(static_cast<uint16_t>(schema_dtype::BOOL)
              == static_cast<uint16_t>(tensor_dtype::boolean));

constexpr uint16_t dtype_count = static_cast<uint16_t>(tensor_dtype::float16) + 1;

constexpr std::array<std::string_view, dtype_count> dtype_names = {
  "float32", "float64", "int32",  "int64",  "uint8", "int8",
  "uint16",  "int16",   "uint32", "uint64", "bool",  "float16",
};

// Bytes of one element of each dtype, in the same order as dtype_names.
constexpr std::array<uint8_t, dtype_count> dtype_sizes = {4, 8, 4, 8, 1, 1, 2, 2, 4, 8, 1, 2};

constexpr std::array<std::string_view, 4> value_kind_names{"bytes", "text", "json", "tensor"};
static_assert(value_kind_names.size() == static_cast<size_t>(value_kind::tensor) + 1);

// Number of elements of `shape` (1 for a scalar); nullopt when the product overflows 64 bits.
std::optional<uint64_t> element_count(const std::vector<uint64_t>& shape) {
  uint64_t n = 1;
  for (auto d : shape) {
    if (d != 0 && n > std::numeric_limits<uint64_t>::max() / d)
      return std::nullopt;
    n *= d;
  }
  return n;
}

bool fail(std::string* error, std::string reason) {
  if (error)
    *error = std::move(reason);
  return false;
}

std::string_view view_of(capnp::Data::Reader d) {
  return {reinterpret_cast<const char*>(d.begin()), d.size()};
}

std::string_view view_of(capnp::Text::Reader t) { return {t.begin(), t.size()}; }

/// An Entry as read in place: the payload and the node id point into the message.
struct entry_view {
  value_kind kind = value_kind::bytes;
  std::string_view data;
  tensor_dtype dtype{};
  std::vector<uint64_t> shape;
  int64_t created_at_ms = 0;
  uint32_t ttl_seconds = 0;
  uint32_t compute_micros = 0;
  std::string_view produced_by;
  uint16_t schema_version = 0;
};

// Reads the root of an already bounds-checked message; throws kj::Exception on a bad pointer.
entry_view read_view(schema::Entry::Reader root) {
  entry_view e;
  auto value = root.getValue();
  switch (value.which()) {
    case schema::Entry::Value::BYTES:
      e.kind = value_kind::bytes;
      e.data = view_of(value.getBytes());
      break;
    case schema::Entry::Value::TEXT:
      e.kind = value_kind::text;
      e.data = view_of(value.getText());
      break;
    case schema::Entry::Value::JSON:
      e.kind = value_kind::json;
      e.data = view_of(value.getJson());
      break;
    case schema::Entry::Value::TENSOR: {
      e.kind = value_kind::tensor;
      auto tensor = value.getTensor();
      auto dtype = static_cast<uint16_t>(tensor.getDtype());
      if (dtype >= dtype_count)
        throw std::runtime_error("unknown tensor dtype " + std::to_string(dtype));
      e.dtype = static_cast<tensor_dtype>(dtype);
      auto shape = tensor.getShape();
      e.shape.reserve(shape.size());
      for (auto d : shape)
        e.shape.push_back(d);
      e.data = view_of(tensor.getData());
      break;
    }
    default:
      throw std::runtime_error("unknown value variant "
                               + std::to_string(static_cast<unsigned>(value.which())));
  }
  e.created_at_ms = root.getCreatedAtMs();
  e.ttl_seconds = root.getTtlSeconds();
  e.compute_micros = root.getComputeMicros();
  e.produced_by = view_of(root.getProducedBy());
  e.schema_version = root.getSchemaVersion();
  return e;
}

entry to_entry(const entry_view& v) {
  return entry{v.kind,          std::string(v.data), v.dtype,          v.shape,
               v.created_at_ms, v.ttl_seconds,       v.compute_micros, std::string(v.produced_by),
               v.schema_version};
}

/// The invariants validate_entry checks, on an entry's parts.
bool validate_parts(value_kind kind, tensor_dtype dtype, const std::vector<uint64_t>& shape,
                    size_t data_size, uint16_t schema_version, std::string* error) {
  if (schema_version == 0 || schema_version > entry_schema_version)
    return fail(error, "unsupported entry schema version " + std::to_string(schema_version));
  if (kind > value_kind::tensor)
    return fail(error, "unknown value kind");
  if (kind != value_kind::tensor)
    return true;
  if (static_cast<uint16_t>(dtype) >= dtype_count)
    return fail(error, "unknown tensor dtype");
  auto n = element_count(shape);
  auto size = tensor_dtype_size(dtype);
  if (!n || *n > std::numeric_limits<uint64_t>::max() / size)
    return fail(error, "tensor shape overflows");
  if (*n * size != data_size)
    return fail(error, "tensor data is " + std::to_string(data_size) + " bytes, shape and "
                         + std::string(to_string(dtype)) + " need " + std::to_string(*n * size));
  return true;
}

/// `bytes` where Cap'n Proto can read it in place: itself when word-aligned (as a std::string's
/// heap buffer is), else a copy at an aligned spot of `scratch` (an unaligned entry is a small
/// one in the store, see core/cache_store value_offset: one memcpy).
std::string_view aligned_in(std::string_view bytes, std::string& scratch) {
  constexpr size_t word = sizeof(capnp::word);
  if (reinterpret_cast<uintptr_t>(bytes.data()) % alignof(capnp::word) == 0)
    return bytes;
  scratch.resize(bytes.size() + word);
  auto skew = reinterpret_cast<uintptr_t>(scratch.data()) % word;
  char* at = scratch.data() + (skew == 0 ? 0 : word - skew);
  std::memcpy(at, bytes.data(), bytes.size());
  return {at, bytes.size()};
}

/// A valid Entry is read once and is at most 3 levels deep (Entry > value > Tensor > shape), so
/// these bounds admit every valid message of `words` while capping the work a crafted one can
/// cause.
capnp::ReaderOptions entry_reader_options(size_t words) {
  capnp::ReaderOptions options;
  options.traversalLimitInWords = std::max<uint64_t>(words * 4, 64 * 1024);
  options.nestingLimit = 8;
  return options;
}

/// Reads the one whole, valid Entry message in `bytes` and passes what `use` makes of its
/// reading (an entry_view, pointing into `bytes` or `scratch`) on; nullopt, and the reason in
/// *error, for anything else. Read in place when `bytes` is word-aligned, else from an aligned
/// copy in `scratch`. Never throws.
template <class T, class Use>
std::optional<T> read_valid(std::string_view bytes, std::string& scratch, std::string* error,
                            Use use) {
  constexpr size_t word = sizeof(capnp::word);
  if (bytes.empty()) {
    fail(error, "empty entry");
    return std::nullopt;
  }
  if (bytes.size() % word != 0) {
    fail(error, "entry size " + std::to_string(bytes.size()) + " is not a multiple of 8");
    return std::nullopt;
  }
  try {
    bytes = aligned_in(bytes, scratch);
    auto words =
      kj::arrayPtr(reinterpret_cast<const capnp::word*>(bytes.data()), bytes.size() / word);
    capnp::FlatArrayMessageReader reader(words, entry_reader_options(words.size()));
    if (reader.getEnd() != words.end()) {
      fail(error, "trailing bytes after entry");
      return std::nullopt;
    }
    auto v = read_view(reader.getRoot<schema::Entry>());
    if (!validate_parts(v.kind, v.dtype, v.shape, v.data.size(), v.schema_version, error))
      return std::nullopt;
    return use(v);
  } catch (const kj::Exception& ex) {
    fail(error, "corrupt entry: " + std::string(ex.getDescription().cStr()));
  } catch (const std::exception& ex) {
    fail(error, std::string("corrupt entry: ") + ex.what());
  } catch (...) {
    fail(error, "corrupt entry");
  }
  return std::nullopt;
}

} // namespace

bool operator==(const entry& a, const entry& b) {
  return a.kind == b.kind && a.data == b.data && a.dtype == b.dtype && a.shape == b.shape
         && a.created_at_ms == b.created_at_ms && a.ttl_seconds == b.ttl_seconds
         && a.compute_micros == b.compute_micros && a.produced_by == b.produced_by
         && a.schema_version == b.schema_version;
}

// -- dtype helpers ----------------------------------------------------------------------------------

size_t tensor_dtype_size(tensor_dtype t) {
  return enum_name(dtype_sizes, t, uint8_t{1}); // 1 for others: decode rejects them first
}

std::optional<tensor_dtype> parse_dtype(std::string_view name) {
  return enum_parse<tensor_dtype>(dtype_names, name);
}

std::string_view to_string(tensor_dtype t) {
  return enum_name(dtype_names, t, std::string_view{"unknown"});
}

std::string_view to_string(value_kind k) {
  return enum_name(value_kind_names, k, std::string_view{"unknown"});
}

// -- codec ------------------------------------------------------------------------------------------

bool validate_entry(const entry& e, std::string* error) {
  return validate_parts(e.kind, e.dtype, e.shape, e.data.size(), e.schema_version, error);
}

std::optional<entry> decode_entry(std::string_view bytes, std::string* error) {
  std::string scratch;
  return read_valid<entry>(bytes, scratch, error, to_entry);
}

namespace {

entry_header header_of(const entry_view& v) {
  return entry_header{v.kind,          v.dtype,       v.shape,          v.data.size(),
                      v.created_at_ms, v.ttl_seconds, v.compute_micros, v.schema_version};
}

} // namespace

std::optional<entry_header> decode_header(std::string_view bytes, std::string* error) {
  std::string scratch;
  return read_valid<entry_header>(bytes, scratch, error, header_of);
}

std::optional<entry_header> decode_header(std::string_view bytes, std::string_view& payload,
                                          std::string& scratch, std::string* error) {
  return read_valid<entry_header>(bytes, scratch, error, [&](const entry_view& v) {
    payload = v.data;
    return header_of(v);
  });
}

bool payload_of(std::string_view bytes, std::string_view& out, std::string& scratch) {
  constexpr size_t word = sizeof(capnp::word);
  if (!bytes.empty() && bytes.size() % word == 0) {
    // One memcpy for an unaligned entry instead of a full decode_entry.
    bytes = aligned_in(bytes, scratch);
    try {
      kj::ArrayPtr<const capnp::word> words(reinterpret_cast<const capnp::word*>(bytes.data()),
                                            bytes.size() / word);
      capnp::FlatArrayMessageReader reader(words, entry_reader_options(words.size()));
      auto value = reader.getRoot<schema::Entry>().getValue();
      switch (value.which()) {
        case schema::Entry::Value::BYTES:
          out = view_of(value.getBytes());
          return true;
        case schema::Entry::Value::TEXT:
          out = view_of(value.getText());
          return true;
        case schema::Entry::Value::JSON:
          out = view_of(value.getJson());
          return true;
        case schema::Entry::Value::TENSOR:
          out = view_of(value.getTensor().getData());
          return true;
        default:
          break;
      }
    } catch (...) {
      // fall through to the full decode, which reports what is wrong
    }
  }
  auto e = decode_entry(bytes);
  if (!e)
    return false;
  scratch = std::move(e->data);
  out = scratch;
  return true;
}

// -- constructors -----------------------------------------------------------------------------------

entry make_bytes_entry(std::string value, uint32_t ttl_seconds, int64_t now_ms,
                       std::string produced_by) {
  entry e;
  e.kind = value_kind::bytes;
  e.data = std::move(value);
  e.ttl_seconds = ttl_seconds;
  e.created_at_ms = now_ms;
  e.produced_by = std::move(produced_by);
  return e;
}

entry make_tensor_entry(const std::vector<float>& values, std::vector<uint64_t> shape,
                        uint32_t ttl_seconds, int64_t now_ms, std::string produced_by,
                        uint32_t compute_micros) {
  if (shape.empty())
    shape.push_back(values.size());
  auto n = element_count(shape);
  if (!n || *n != values.size())
    throw std::invalid_argument("make_tensor_entry: shape does not match "
                                + std::to_string(values.size()) + " values");
  entry e;
  e.kind = value_kind::tensor;
  e.dtype = tensor_dtype::float32;
  e.shape = std::move(shape);
  e.data.resize(values.size() * 4);
  for (size_t i = 0; i < values.size(); ++i) {
    uint32_t bits;
    std::memcpy(&bits, &values[i], sizeof bits);
    for (size_t b = 0; b < 4; ++b)
      e.data[i * 4 + b] = static_cast<char>((bits >> (8 * b)) & 0xff);
  }
  e.ttl_seconds = ttl_seconds;
  e.created_at_ms = now_ms;
  e.compute_micros = compute_micros;
  e.produced_by = std::move(produced_by);
  return e;
}

} // namespace ac
