// A minimal parser of NumPy .npy bytes (format 1.0-3.0): numeric arrays as doubles plus their shape.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace ac {

/// An array read from a .npy file, its values widened to double in row-major (C) order
/// whatever the file's order, so it feeds normalize_features_key directly.
struct npy_array {
  std::string dtype;           ///< the file's descr, e.g. "<f4", "|b1"
  std::vector<uint64_t> shape; ///< empty for a 0-d array
  std::vector<double> values;  ///< product(shape) values, row-major
};

/// Parses the bytes of a .npy file. Supports bool, int8..int64, uint8..uint64, float16,
/// float32 and float64 in either byte order and either memory order. Returns false and
/// sets `why` (a sentence) for anything else: bad magic, a truncated file, object, complex,
/// string or structured dtypes.
bool parse_npy(std::string_view bytes, npy_array& out, std::string& why);

} // namespace ac
