// Numbers as people read them (see human_format.hpp). snprintf, not fmt: core links nothing.
#include "core/human_format.hpp"

#include <cmath>
#include <cstdio>
#include <iterator>

namespace ac {

namespace {

std::string printf_str(const char* format, double x, const char* unit = "") {
  char buf[64];
  std::snprintf(buf, sizeof buf, format, x, unit);
  return buf;
}

/// Three significant digits: 1.23, 12.3, 123.
std::string three_digits(double x, const char* unit) {
  if (x < 10)
    return printf_str("%.2f%s", x, unit);
  if (x < 100)
    return printf_str("%.1f%s", x, unit);
  return printf_str("%.0f%s", x, unit);
}

bool ends_with(std::string_view s, std::string_view tail) {
  return s.size() >= tail.size() && s.substr(s.size() - tail.size()) == tail;
}

} // namespace

std::string format_duration_us(double us) {
  if (!std::isfinite(us))
    return "-";
  if (us < 0)
    return "-" + format_duration_us(-us);
  if (us < 1000)
    return printf_str("%.0f%s", us, "us");
  if (us < 1e6)
    return three_digits(us / 1e3, "ms");
  if (us < 60e6)
    return three_digits(us / 1e6, "s");
  return printf_str("%.1f%s", us / 60e6, "min");
}

std::string format_percent(double ratio) {
  if (!std::isfinite(ratio))
    return "-";
  double p = ratio * 100;
  if (p == 0)
    return "0%";
  if (std::fabs(p) < 0.01)
    return p > 0 ? "<0.01%" : "-<0.01%";
  if (std::fabs(p) < 1)
    return printf_str("%.2f%s", p, "%");
  return printf_str("%.1f%s", p, "%");
}

std::string format_bytes(double bytes) {
  static const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  size_t u = 0;
  while (std::fabs(bytes) >= 1024 && u + 1 < std::size(units)) {
    bytes /= 1024;
    ++u;
  }
  return u == 0 ? printf_str("%.0f %s", bytes, units[0]) : printf_str("%.1f %s", bytes, units[u]);
}

std::string format_number(double x) {
  if (!std::isfinite(x))
    return "-";
  if (x == std::floor(x) && std::fabs(x) < 1e15)
    return printf_str("%.0f%s", x);
  return printf_str("%.3g%s", x);
}

std::string format_metric(std::string_view name, double value) {
  if (ends_with(name, "_us"))
    return format_duration_us(value);
  if (ends_with(name, "_s"))
    return format_duration_us(value * 1e6);
  if (ends_with(name, "_bytes_per_min"))
    return format_bytes(value) + "/min";
  if (ends_with(name, "_ratio") || ends_with(name, "_rate") || ends_with(name, "_share"))
    return format_percent(value);
  if (name == "bytes" || ends_with(name, "_bytes"))
    return format_bytes(value);
  return format_number(value);
}

} // namespace ac
