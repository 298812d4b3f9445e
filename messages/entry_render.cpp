// Renders an Entry as text for people (render_value): bytes as they are, tensors as numbers.
#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>

#include "core/half_float.hpp"
#include "messages/entry_codec.hpp"

namespace ac {

namespace {

constexpr size_t max_rendered_elements = 64;

// Reads the little-endian unsigned integer of `size` bytes at `p`, independent of host byte order.
uint64_t load_le(const char* p, size_t size) {
  uint64_t v = 0;
  for (size_t i = 0; i < size; ++i)
    v |= static_cast<uint64_t>(static_cast<unsigned char>(p[i])) << (8 * i);
  return v;
}

template <class T>
void append_number(std::string& out, T value) {
  if constexpr (std::is_floating_point_v<T>) {
    if (std::isnan(value)) {
      out += "nan";
      return;
    }
    if (std::isinf(value)) {
      out += value < 0 ? "-inf" : "inf";
      return;
    }
  }
  std::array<char, 64> buf;
  auto [end, ec] = std::to_chars(buf.data(), buf.data() + buf.size(), value); // shortest round-trip
  if (ec == std::errc{})
    out.append(buf.data(), end);
}

// Appends element `i` of a tensor with element size `size`, read from little-endian `p`.
void append_element(std::string& out, tensor_dtype t, const char* p) {
  uint64_t raw = load_le(p, tensor_dtype_size(t));
  switch (t) {
    case tensor_dtype::float32: {
      auto bits = static_cast<uint32_t>(raw);
      float f;
      std::memcpy(&f, &bits, sizeof f);
      return append_number(out, f);
    }
    case tensor_dtype::float64: {
      double d;
      std::memcpy(&d, &raw, sizeof d);
      return append_number(out, d);
    }
    case tensor_dtype::float16:
      return append_number(out, static_cast<float>(half_to_double(static_cast<uint16_t>(raw))));
    case tensor_dtype::int8:
      return append_number(out, static_cast<int8_t>(raw));
    case tensor_dtype::int16:
      return append_number(out, static_cast<int16_t>(raw));
    case tensor_dtype::int32:
      return append_number(out, static_cast<int32_t>(raw));
    case tensor_dtype::int64:
      return append_number(out, static_cast<int64_t>(raw));
    case tensor_dtype::boolean:
      out += raw ? "true" : "false";
      return;
    case tensor_dtype::uint8:
    case tensor_dtype::uint16:
    case tensor_dtype::uint32:
    case tensor_dtype::uint64:
      return append_number(out, raw);
  }
}

} // namespace

std::string render_value(const entry& e) {
  if (e.kind != value_kind::tensor)
    return e.data;
  std::string out = "tensor ";
  out += to_string(e.dtype);
  out += " [";
  for (size_t i = 0; i < e.shape.size(); ++i) {
    if (i)
      out += ',';
    append_number(out, e.shape[i]);
  }
  out += "] [";
  size_t size = tensor_dtype_size(e.dtype);
  size_t available = e.data.size() / size; // robust to an entry that was never validated
  size_t shown = std::min(available, max_rendered_elements);
  for (size_t i = 0; i < shown; ++i) {
    if (i)
      out += ", ";
    append_element(out, e.dtype, e.data.data() + i * size);
  }
  if (available > shown)
    out += ", ...";
  out += ']';
  return out;
}

} // namespace ac
