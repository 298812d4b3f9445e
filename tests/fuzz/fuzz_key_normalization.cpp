// fuzz_key_normalization.cpp: libFuzzer target: key validation, routing hashes, feature-key normalization and config signatures never crash and keep their contracts.
#include "core/key_normalization.hpp"

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include <utility>
#include <vector>
#include "tests/fuzz/fuzz_check.hpp"

namespace {

/// Reads fixed-size values off the front of the input; zeros once it runs out.
struct byte_reader {
  const uint8_t* data;
  size_t size;
  template <class T>
  T take() {
    T v{};
    size_t n = size < sizeof v ? size : sizeof v;
    std::memcpy(&v, data, n);
    data += n;
    size -= n;
    return v;
  }
};

using ac::fuzz::check;

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view key(reinterpret_cast<const char*>(data), size);
  // validate_key: exactly the documented three outcomes.
  for (size_t max : {size_t{0}, size_t{1}, size_t{512}, size}) {
    auto e = ac::validate_key(key, max);
    check(e
          == (key.empty()        ? ac::key_error::empty
              : key.size() > max ? ac::key_error::too_long
                                 : ac::key_error::none));
  }
  // key_hash is a pure function; shard_of stays in range for any shard count.
  auto h = ac::key_hash(key);
  check(h == ac::key_hash(std::string(key)));
  byte_reader in{data, size};
  auto shards = in.take<uint32_t>();
  auto s = ac::shard_of(h, shards);
  check(shards == 0 ? s == 0 : s < shards);

  // normalize_features_key: doubles and a shape taken from the bytes; the key has its format,
  // and float noise far below the 6-decimal rounding does not change it.
  auto dims = in.take<uint8_t>() % 4;
  std::vector<uint64_t> shape;
  for (unsigned i = 0; i < dims; ++i)
    shape.push_back(in.take<uint16_t>());
  std::vector<double> values;
  while (in.size >= sizeof(double) && values.size() < 256)
    values.push_back(in.take<double>());
  auto key1 = ac::normalize_features_key(values, shape, "sig");
  check(key1.size() == 9 + 32 + 1 + 3 && key1.rfind("features:", 0) == 0
        && key1.compare(key1.size() - 4, 4, ":sig") == 0);
  check(key1 == ac::normalize_features_key(values, shape, "sig"));
  auto negated_zeros = values;
  for (auto& v : negated_zeros)
    if (v == 0)
      v = -v;
  check(ac::normalize_features_key(negated_zeros, shape, "sig") == key1);

  // config_signature: the order of the params does not matter; the result is 16 hex chars.
  std::vector<std::pair<std::string, std::string>> params;
  for (size_t i = 0; i + 1 < key.size() && params.size() < 8; i += 2)
    params.emplace_back(std::string(key.substr(i, 1)), std::string(key.substr(i + 1, 1)));
  auto sig = ac::config_signature(params);
  check(sig.size() == 16 && sig.find_first_not_of("0123456789abcdef") == std::string::npos);
  std::vector<std::pair<std::string, std::string>> reversed(params.rbegin(), params.rend());
  check(ac::config_signature(reversed) == sig);
  return 0;
}
