// Cache key normalization (feature arrays -> stable keys), key validation, and THE key hash.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ac {

/// "features:<32 hex of XXH3-128>:<config_signature>". The hash covers the shape and the
/// values rounded to 6 decimals as canonical little-endian doubles, so inputs that differ
/// only by float noise (1.0000001 vs 1.0000002), by the sign of zero, or by NaN payload
/// share one key on every platform.
std::string normalize_features_key(const std::vector<double>& values,
                                   const std::vector<uint64_t>& shape,
                                   std::string_view config_signature);

/// 16 hex chars of XXH3-64 over the params sorted by (name, value), so the order callers
/// list them in does not matter. Length-prefixed, so ("ab","c") != ("a","bc").
std::string config_signature(const std::vector<std::pair<std::string, std::string>>& params);

enum class key_error { none, empty, too_long };

/// The front actor calls this before routing; a failing key is refused and changes nothing.
key_error validate_key(std::string_view key, size_t max_key_bytes);

/// XXH3-64 of the key bytes. The one hash for key -> node (ring) and key -> shard routing,
/// and the id eviction policies see; every node must agree on it.
uint64_t key_hash(std::string_view key);

/// Shard in [0, shards) from the hash's high 32 bits by multiply-shift, so it does not
/// correlate with how the ring mixes the full hash. shards == 0 returns 0.
uint32_t shard_of(uint64_t hash, uint32_t shards);

} // namespace ac
