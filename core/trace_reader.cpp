// Trace parsing: strict, so a wrong --format is reported instead of simulated.
#include "core/trace_reader.hpp"

#include <charconv>

#include "core/trim.hpp"

namespace ac {
namespace {

trace_result fail(std::string message) {
  trace_result r;
  r.error = std::move(message);
  return r;
}

trace_result read_lirs(std::istream& in) {
  trace_result r;
  std::string line;
  uint64_t line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    std::string_view s = trim(line);
    if (s.empty() || s.front() == '*')
      continue;
    uint64_t key = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), key);
    if (ec != std::errc() || end != s.data() + s.size()) {
      std::string shown(s.substr(0, 40));
      return fail("line " + std::to_string(line_no) + ": expected an unsigned integer, got '"
                  + shown + "'");
    }
    r.keys.push_back(key);
  }
  if (in.bad())
    return fail("read error after line " + std::to_string(line_no));
  return r;
}

trace_result read_u32be(std::istream& in) {
  trace_result r;
  unsigned char buf[4];
  uint64_t offset = 0;
  while (true) {
    in.read(reinterpret_cast<char*>(buf), 4);
    auto got = in.gcount();
    if (got == 0)
      break;
    if (got != 4)
      return fail("offset " + std::to_string(offset) + ": truncated record (" + std::to_string(got)
                  + " of 4 bytes); is this a u32be trace?");
    r.keys.push_back((uint64_t{buf[0]} << 24) | (uint64_t{buf[1]} << 16) | (uint64_t{buf[2]} << 8)
                     | uint64_t{buf[3]});
    offset += 4;
  }
  if (in.bad())
    return fail("read error at offset " + std::to_string(offset));
  return r;
}

} // namespace

std::optional<trace_format> parse_trace_format(std::string_view name) {
  if (name == "lirs")
    return trace_format::lirs;
  if (name == "u32be")
    return trace_format::u32be;
  return std::nullopt;
}

trace_result read_trace(std::istream& in, trace_format format) {
  if (!in)
    return fail("stream is not readable");
  return format == trace_format::lirs ? read_lirs(in) : read_u32be(in);
}

} // namespace ac
