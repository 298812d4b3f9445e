// SET's options as Redis 7 reads them (see set_options.hpp).
#include "core/set_options.hpp"

#include <algorithm>

#include "core/resp_command_table.hpp"

namespace ac::resp {

namespace {

set_options refused(std::string why) {
  set_options o;
  o.error = std::move(why);
  return o;
}

} // namespace

set_options parse_set_options(const std::vector<std::string>& argv, int64_t now_ms) {
  using condition = set_options::condition;
  set_options o;
  std::string unit; // the kind of expiry taken so far: ex, px, exat or pxat
  for (size_t i = 3; i < argv.size(); ++i) {
    auto opt = to_lower(argv[i]);
    bool expiry = opt == "ex" || opt == "px" || opt == "exat" || opt == "pxat";
    if (opt == "nx" && o.cond != condition::present) {
      o.cond = condition::absent;
    } else if (opt == "xx" && o.cond != condition::absent) {
      o.cond = condition::present;
    } else if (expiry && (unit.empty() || unit == opt) && i + 1 < argv.size()) {
      unit = opt;
      int64_t n = 0;
      if (!parse_int(argv[++i], n))
        return refused("ERR value is not an integer or out of range");
      // Redis refuses only what is not positive or overflows its clock.
      if (n <= 0 || n > (int64_t{1} << 50))
        return refused("ERR invalid expire time in 'set' command");
      int64_t ms = opt == "ex" || opt == "exat" ? n * 1000 : n;
      if (opt == "exat" || opt == "pxat")
        ms -= now_ms;
      o.past = ms <= 0;
      o.ttl_ms = std::clamp<int64_t>(ms, 1, int64_t{1} << 40);
    } else if (opt == "keepttl" || opt == "get") {
      return refused("ERR SET " + argv[i]
                     + " is not supported by actorcache (the owner would have to read and write "
                       "the key in one step)");
    } else {
      return refused("ERR syntax error");
    }
  }
  return o;
}

} // namespace ac::resp
