// Feature-key normalization, config signatures, key validation and routing hashes.
#include "core/key_normalization.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>

#include <xxhash.h>

namespace ac {

namespace {

void put_u64_le(std::string& out, uint64_t v) {
  for (int i = 0; i < 8; ++i)
    out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

// One bit pattern per rounded value: -0 -> +0, every NaN -> the default quiet NaN.
uint64_t canonical_bits(double v) {
  if (std::isnan(v))
    v = std::numeric_limits<double>::quiet_NaN();
  else if (std::isfinite(v)) {
    double scaled = v * 1e6;
    if (std::isfinite(scaled))
      v = std::nearbyint(scaled) / 1e6; // huge values keep their own value
    if (v == 0)
      v = 0.0;
  }
  uint64_t bits;
  std::memcpy(&bits, &v, sizeof bits);
  return bits;
}

std::string hex64(uint64_t v) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

} // namespace

std::string normalize_features_key(const std::vector<double>& values,
                                   const std::vector<uint64_t>& shape,
                                   std::string_view config_signature) {
  std::string bytes;
  bytes.reserve(8 * (1 + shape.size() + values.size()));
  put_u64_le(bytes, shape.size());
  for (auto d : shape)
    put_u64_le(bytes, d);
  for (auto v : values)
    put_u64_le(bytes, canonical_bits(v));
  XXH128_hash_t h = XXH3_128bits(bytes.data(), bytes.size());
  std::string key = "features:";
  key += hex64(h.high64);
  key += hex64(h.low64);
  key += ':';
  key += config_signature;
  return key;
}

std::string config_signature(const std::vector<std::pair<std::string, std::string>>& params) {
  auto sorted = params;
  std::sort(sorted.begin(), sorted.end());
  std::string bytes;
  for (auto& [name, value] : sorted) {
    put_u64_le(bytes, name.size());
    bytes += name;
    put_u64_le(bytes, value.size());
    bytes += value;
  }
  return hex64(XXH3_64bits(bytes.data(), bytes.size()));
}

key_error validate_key(std::string_view key, size_t max_key_bytes) {
  if (key.empty())
    return key_error::empty;
  if (key.size() > max_key_bytes)
    return key_error::too_long;
  return key_error::none;
}

uint64_t key_hash(std::string_view key) { return XXH3_64bits(key.data(), key.size()); }

uint32_t shard_of(uint64_t hash, uint32_t shards) {
  return static_cast<uint32_t>(((hash >> 32) * shards) >> 32);
}

} // namespace ac
