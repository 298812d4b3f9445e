// fuzz_entry_decoder.cpp: libFuzzer target: decode_entry must never crash, and what it accepts must re-encode losslessly.
#include "messages/entry_codec.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  std::string error;
  auto decoded = ac::decode_entry(bytes, &error);
  if (!decoded)
    return 0;
  // Anything accepted satisfies the contracts callers rely on...
  if (!ac::validate_entry(*decoded))
    __builtin_trap();
  (void)ac::render_value(*decoded);
  // ...and survives a second round trip unchanged (decode is a left inverse of encode).
  auto again = ac::decode_entry(ac::encode_entry(*decoded));
  if (!again || *again != *decoded)
    __builtin_trap();
  return 0;
}
