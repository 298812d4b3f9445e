// entry_codec.hpp: the L2 value envelope (messages/entry.capnp) as plain C++ types, and its codec.
//
// This is the only code that touches Cap'n Proto: callers see `entry` and bytes, never a capnp type,
// so no capnp header leaks into actors or tools. Encoding is the standard unpacked form written by
// capnp::messageToFlatArray, so `capnp decode messages/entry.capnp Entry` reads what we store.
// All functions are pure and thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ac {

/// The newest envelope version this code writes and understands; decode refuses newer ones.
inline constexpr uint16_t entry_schema_version = 1;

/// Which variant of Entry.value an entry carries.
enum class value_kind : uint8_t { bytes, text, json, tensor };

/// Element type of a tensor; same order and meaning as Dtype in entry.capnp.
enum class tensor_dtype : uint8_t {
  float32,
  float64,
  int32,
  int64,
  uint8,
  int8,
  uint16,
  int16,
  uint32,
  uint64,
  boolean,
  float16,
};

/// One cached value and its metadata; mirrors struct Entry of entry.capnp.
struct entry {
  value_kind kind = value_kind::bytes; // which variant `data` holds
  std::string data;            // payload; for a tensor: product(shape) little-endian elements
  tensor_dtype dtype{};        // tensor only: element type
  std::vector<uint64_t> shape; // tensor only: dimensions, row-major; empty = scalar
  int64_t created_at_ms = 0;   // creation time, Unix epoch ms
  uint32_t ttl_seconds = 0;    // lifetime granted at creation; 0 = no expiry
  uint32_t compute_micros = 0; // time the compute took; 0 = put, not computed
  std::string produced_by;     // node id of the producer
  uint16_t schema_version = entry_schema_version; // envelope version
};

bool operator==(const entry& a, const entry& b);
inline bool operator!=(const entry& a, const entry& b) { return !(a == b); }

// -- dtype helpers ----------------------------------------------------------------------------------

/// Bytes of one element of `t` (1, 2, 4 or 8).
size_t tensor_dtype_size(tensor_dtype t);

/// Parses a dtype name as to_string prints it ("float32", "bool", ...); nullopt for an unknown name.
std::optional<tensor_dtype> parse_dtype(std::string_view name);

/// The numpy-style name of `t`: "float32", "int64", "bool", ...
std::string_view to_string(tensor_dtype t);

/// The name of `k`: "bytes", "text", "json", "tensor".
std::string_view to_string(value_kind k);

// -- codec ------------------------------------------------------------------------------------------

/// Checks the invariants decode enforces (tensor data size == product(shape) * dtype size, no shape
/// overflow, known schema version). Returns false and sets *error (if given) when one fails.
bool validate_entry(const entry& e, std::string* error = nullptr);

/// Encodes `e` as one unpacked Cap'n Proto message. Does not validate; call validate_entry first
/// when `e` comes from untrusted input. Throws only std::bad_alloc.
std::string encode_entry(const entry& e);

/// encode_entry(make_bytes_entry(value, ...)) without the entry: the value is copied once,
/// straight into the encoding (a SET's hot path).
std::string encode_bytes_entry(std::string_view value, uint32_t ttl_seconds, int64_t now_ms,
                               std::string_view produced_by);

/// Decodes bytes written by encode_entry. Never throws and never crashes on arbitrary input: corrupt,
/// truncated or trailing-garbage bytes, an invalid tensor or an unknown schema version give nullopt
/// and a reason in *error (if given). Work is bounded by the input size (capnp traversal limit).
std::optional<entry> decode_entry(std::string_view bytes, std::string* error = nullptr);

/// An encoded entry's metadata: all of `entry` but the payload and the node id.
struct entry_header {
  value_kind kind = value_kind::bytes;
  tensor_dtype dtype{};
  std::vector<uint64_t> shape; ///< tensor only
  size_t payload_bytes = 0;
  int64_t created_at_ms = 0;
  uint32_t ttl_seconds = 0;
  uint32_t compute_micros = 0;
  uint16_t schema_version = entry_schema_version;
};

/// decode_entry's checks and its metadata, without copying the payload out: for a value that
/// is stored as it is (a put's check, an L2 hit's TTL). Nullopt and the reason in *error for
/// exactly the bytes decode_entry refuses.
std::optional<entry_header> decode_header(std::string_view bytes, std::string* error = nullptr);

/// decode_header and the payload from one reading: `payload` points into `bytes` when it is
/// word-aligned, else into an aligned copy in `scratch`; valid while both live (a caller that
/// reuses `scratch` saves its allocation, as with payload_of).
std::optional<entry_header> decode_header(std::string_view bytes, std::string_view& payload,
                                          std::string& scratch, std::string* error = nullptr);

/// The payload of an encoded entry (bytes, text, json or a tensor's row-major data) without
/// decoding the rest: read in place when `bytes` is 8-aligned (no copy, no allocation: the
/// RESP edge's hit path), else from an aligned copy in `scratch`; decode_entry only for what
/// Cap'n Proto refuses. False for bytes that do not decode; `out` points into `scratch` or into
/// `bytes`, valid while both live (a caller reusing `scratch` saves its allocation).
bool payload_of(std::string_view bytes, std::string_view& out, std::string& scratch);

/// What a CLI prints for the value: bytes/text/json as they are; a tensor as
/// `tensor float32 [2,3] [1.5, 2, -0.25, ...]` (at most 64 elements, then `...`).
std::string render_value(const entry& e);

// -- constructors -----------------------------------------------------------------------------------

/// An entry of kind bytes holding `value`.
entry make_bytes_entry(std::string value, uint32_t ttl_seconds, int64_t now_ms,
                       std::string produced_by);

/// A float32 tensor entry; `shape` empty means one dimension of values.size(). Throws
/// std::invalid_argument when product(shape) != values.size().
entry make_tensor_entry(const std::vector<float>& values, std::vector<uint64_t> shape,
                        uint32_t ttl_seconds, int64_t now_ms, std::string produced_by,
                        uint32_t compute_micros = 0);

} // namespace ac
