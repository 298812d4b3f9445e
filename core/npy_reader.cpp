// .npy parsing: magic and header dict, dtype decoding, Fortran-to-C reordering.
#include "core/npy_reader.hpp"

#include "core/half_float.hpp"

#include <cmath>
#include <cstring>

namespace ac {

namespace {

constexpr std::string_view magic = "\x93NUMPY";

uint64_t read_uint_le(const unsigned char* p, size_t n) {
  uint64_t v = 0;
  for (size_t i = 0; i < n; ++i)
    v |= uint64_t{p[i]} << (8 * i);
  return v;
}

// The quoted value after 'key': in the header dict ("" if absent).
std::string_view dict_value(std::string_view header, std::string_view key) {
  std::string quoted = "'" + std::string(key) + "'";
  auto at = header.find(quoted);
  if (at == std::string_view::npos)
    return {};
  auto colon = header.find(':', at + quoted.size());
  if (colon == std::string_view::npos)
    return {};
  auto rest = header.substr(colon + 1);
  while (!rest.empty() && rest.front() == ' ')
    rest.remove_prefix(1);
  return rest;
}

bool parse_shape(std::string_view v, std::vector<uint64_t>& shape) {
  if (v.empty() || v.front() != '(')
    return false;
  auto close = v.find(')');
  if (close == std::string_view::npos)
    return false;
  auto body = v.substr(1, close - 1);
  uint64_t cur = 0;
  bool in_number = false;
  for (char c : body) {
    if (c >= '0' && c <= '9') {
      cur = cur * 10 + static_cast<uint64_t>(c - '0');
      in_number = true;
    } else if (c == ',' || c == ' ' || c == 'L') {
      if (c == ',' && in_number) {
        shape.push_back(cur);
        cur = 0;
        in_number = false;
      }
    } else {
      return false;
    }
  }
  if (in_number)
    shape.push_back(cur);
  return true;
}

// One element of `kind` ('b','i','u','f') and `size` bytes, already in little-endian order.
double element(const unsigned char* p, char kind, size_t size) {
  uint64_t raw = read_uint_le(p, size);
  switch (kind) {
    case 'b':
      return raw != 0 ? 1.0 : 0.0;
    case 'u':
      return static_cast<double>(raw);
    case 'i': {
      int64_t v = size == 8 ? static_cast<int64_t>(raw)
                            : static_cast<int64_t>(raw << (64 - 8 * size)) >> (64 - 8 * size);
      return static_cast<double>(v);
    }
    default:
      if (size == 2)
        return half_to_double(static_cast<uint16_t>(raw));
      if (size == 4) {
        float f;
        auto bits = static_cast<uint32_t>(raw);
        std::memcpy(&f, &bits, 4);
        return f;
      }
      double d;
      std::memcpy(&d, &raw, 8);
      return d;
  }
}

bool decode_descr(std::string_view descr, char& order, char& kind, size_t& size) {
  if (descr.size() < 3)
    return false;
  order = descr[0];
  kind = descr[1];
  if (order != '<' && order != '>' && order != '|' && order != '=')
    return false;
  std::string digits(descr.substr(2));
  if (digits != "1" && digits != "2" && digits != "4" && digits != "8")
    return false;
  size = static_cast<size_t>(digits[0] - '0');
  if (kind == 'b')
    return size == 1;
  if (kind == 'f')
    return size == 2 || size == 4 || size == 8;
  return kind == 'i' || kind == 'u';
}

/// Reads `count` elements of `size` bytes from `data` into out.values, in row-major order.
void read_elements(const unsigned char* data, uint64_t count, char order, char kind, size_t size,
                   bool fortran, npy_array& out) {
  out.values.resize(count);
  unsigned char buf[8];
  // Position i of the file maps to row-major index idx; for Fortran order the first axis
  // varies fastest in the file.
  std::vector<uint64_t> pos(out.shape.size(), 0);
  for (uint64_t i = 0; i < count; ++i) {
    std::memcpy(buf, data + i * size, size);
    if (order == '>')
      for (size_t a = 0, b = size - 1; a < b; ++a, --b)
        std::swap(buf[a], buf[b]);
    uint64_t idx = i;
    if (fortran && out.shape.size() > 1) {
      idx = 0;
      for (size_t d = 0; d < out.shape.size(); ++d)
        idx = idx * out.shape[d] + pos[d];
      for (size_t d = 0; d < out.shape.size(); ++d) {
        if (++pos[d] < out.shape[d])
          break;
        pos[d] = 0;
      }
    }
    out.values[idx] = element(buf, kind, size);
  }
}

} // namespace

bool parse_npy(std::string_view bytes, npy_array& out, std::string& why) {
  out = {};
  if (bytes.size() < 10 || bytes.substr(0, magic.size()) != magic) {
    why = "not a .npy file (bad magic)";
    return false;
  }
  auto* u = reinterpret_cast<const unsigned char*>(bytes.data());
  int major = u[6];
  size_t len_bytes = major == 1 ? 2 : 4;
  if (major < 1 || major > 3 || bytes.size() < 8 + len_bytes) {
    why = "unsupported .npy format version " + std::to_string(major);
    return false;
  }
  size_t header_len = read_uint_le(u + 8, len_bytes);
  size_t data_at = 8 + len_bytes + header_len;
  if (bytes.size() < data_at) {
    why = "truncated .npy header";
    return false;
  }
  auto header = bytes.substr(8 + len_bytes, header_len);
  auto descr_v = dict_value(header, "descr");
  if (descr_v.empty() || descr_v.front() != '\'') {
    why = "the .npy header names no simple dtype (structured arrays are not supported)";
    return false;
  }
  auto descr = descr_v.substr(1, descr_v.find('\'', 1) - 1);
  char order = 0, kind = 0;
  size_t size = 0;
  if (!decode_descr(descr, order, kind, size)) {
    why = "unsupported dtype '" + std::string(descr)
          + "' (bool, int, uint and float arrays are supported)";
    return false;
  }
  bool fortran = dict_value(header, "fortran_order").substr(0, 4) == "True";
  if (!parse_shape(dict_value(header, "shape"), out.shape)) {
    why = "the .npy header has no readable shape";
    return false;
  }
  uint64_t count = 1;
  for (auto d : out.shape)
    count *= d;
  if ((bytes.size() - data_at) / size < count) {
    why = "truncated .npy data: " + std::to_string(count) + " elements expected";
    return false;
  }
  out.dtype = std::string(descr);
  read_elements(u + data_at, count, order, kind, size, fortran, out);
  return true;
}

} // namespace ac
