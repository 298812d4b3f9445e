// Fuzz target: the RESP request layer (hiredis's reader with our limits, then the command table) on arbitrary bytes.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "core/resp_command_table.hpp"
#include "net/resp_reader.hpp"
#include "tests/fuzz/fuzz_check.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  ac::resp::reader_limits lim;
  lim.max_bulk_bytes = 512;
  lim.max_args = 64;
  lim.max_inline_bytes = 256;
  ac::resp::request_reader reader{lim};
  // Feed in two pieces split by the first byte, so partial requests are exercised too.
  size_t cut = size > 0 ? data[0] % (size + 1) : 0;
  const char* p = reinterpret_cast<const char*>(data);
  for (auto [from, len] : {std::pair<size_t, size_t>{0, cut}, {cut, size - cut}}) {
    reader.feed(p + from, len);
    std::vector<std::string> argv;
    std::string err;
    for (;;) {
      auto s = reader.next(argv, err);
      if (s == ac::resp::request_reader::status::error) {
        ac::fuzz::check(err.rfind("ERR Protocol error", 0) == 0);
        return 0;
      }
      if (s == ac::resp::request_reader::status::incomplete)
        break;
      ac::fuzz::check(!argv.empty() && argv.size() <= lim.max_args);
      for (auto& a : argv)
        ac::fuzz::check(a.size() <= lim.max_bulk_bytes || a.size() <= lim.max_inline_bytes);
      if (auto* spec = ac::resp::find_command(argv[0])) {
        auto keys = ac::resp::key_count(*spec, argv.size());
        ac::fuzz::check(keys <= argv.size());
        (void)ac::resp::arity_ok(*spec, argv.size());
      } else {
        (void)ac::resp::unknown_command_error(argv[0], argv);
      }
    }
    ac::fuzz::check(reader.buffered() <= size);
  }
  return 0;
}
