// fuzz_entry_decoder.cpp: libFuzzer target: decode_entry must never crash, what it accepts must re-encode losslessly, and decode_header must agree with it.
#include "messages/entry_codec.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  std::string error;
  auto decoded = ac::decode_entry(bytes, &error);
  // The header (the put check, the RESP replies) accepts and refuses exactly the same bytes.
  std::string header_error;
  auto header = ac::decode_header(bytes, &header_error);
  if (header.has_value() != decoded.has_value() || header_error != error)
    __builtin_trap();
  std::string_view payload;
  std::string scratch;
  if (ac::decode_header(bytes, payload, scratch).has_value() != decoded.has_value())
    __builtin_trap();
  if (decoded && payload != decoded->data)
    __builtin_trap();
  if (!decoded)
    return 0;
  if (header->payload_bytes != decoded->data.size() || header->shape != decoded->shape
      || header->ttl_seconds != decoded->ttl_seconds || header->kind != decoded->kind)
    __builtin_trap();
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
