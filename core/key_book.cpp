// key_book: a direct-mapped hash -> key table (see the header).
#include "core/key_book.hpp"

#include "core/frequency_sketch.hpp" // mix64

namespace ac {

key_book::key_book(size_t slots) {
  size_t n = 1;
  while (n < slots)
    n <<= 1;
  slots_.resize(n);
  mask_ = n - 1;
}

void key_book::put(uint64_t hash, std::string_view key) {
  auto& s = slots_[mix64(hash) & mask_];
  if (s.used && s.hash == hash && s.key == key)
    return; // the common case on a repeated miss: no copy
  s.hash = hash;
  s.used = true;
  s.key.assign(key.data(), key.size());
}

std::optional<std::string> key_book::get(uint64_t hash) const {
  auto& s = slots_[mix64(hash) & mask_];
  if (!s.used || s.hash != hash)
    return std::nullopt;
  return s.key;
}

} // namespace ac
