// Memory/CPU sizing rules and the shard capacity allocator.
#include "core/sizing_rules.hpp"

#include <algorithm>
#include <cstdio>
#include <numeric>

namespace ac {

namespace {

constexpr uint64_t gib = uint64_t{1} << 30;
constexpr uint64_t mib = uint64_t{1} << 20;

std::string human_bytes(uint64_t b) {
  char buf[32];
  if (b >= gib)
    std::snprintf(buf, sizeof(buf), "%.1f GiB", static_cast<double>(b) / gib);
  else
    std::snprintf(buf, sizeof(buf), "%.0f MiB", static_cast<double>(b) / mib);
  return buf;
}

} // namespace

uint32_t default_io_loops(unsigned cores) {
  return std::min(8u, std::max(1u, cores - (cores > 1)));
}

uint32_t default_scheduler_threads(unsigned cores) { return std::min(4u, std::max(2u, cores)); }

double memory_factor(uint64_t available_bytes) {
  if (available_bytes < 2 * gib)
    return 0.25;
  if (available_bytes < 4 * gib)
    return 0.5;
  if (available_bytes < 8 * gib)
    return 0.75;
  return 1.0;
}

sizing_decision decide_capacity(const sizing_input& in) {
  sizing_decision d;
  char buf[200];
  d.memory.enabled = in.memory_rule;
  d.memory.factor = memory_factor(in.available_bytes);
  d.memory_factor = in.memory_rule ? d.memory.factor : 1.0;
  std::snprintf(buf, sizeof(buf), "available %s -> memory factor %.2g%s",
                human_bytes(in.available_bytes).c_str(), d.memory.factor,
                in.memory_rule ? "" : " (memory rule off)");
  std::string reason = buf;

  d.cpu.enabled = in.cpu_rule;
  d.cpu.measured = in.cpu_percent.has_value();
  const char* off = in.cpu_rule ? "" : " (cpu rule off)";
  if (!in.cpu_percent) {
    // No figure before one was measured: the first reading needs two samples.
    std::snprintf(buf, sizeof(buf), "; cpu not measured yet -> x1%s", off);
  } else if (*in.cpu_percent > in.cpu_target + 10) {
    d.cpu.factor = 0.8;
    std::snprintf(buf, sizeof(buf), "; cpu %.0f%% > %.0f%% -> x0.8%s", *in.cpu_percent,
                  in.cpu_target + 10, off);
  } else if (*in.cpu_percent < in.cpu_target - 10) {
    d.cpu.factor = 1.2;
    std::snprintf(buf, sizeof(buf), "; cpu %.0f%% < %.0f%% -> x1.2%s", *in.cpu_percent,
                  in.cpu_target - 10, off);
  } else {
    std::snprintf(buf, sizeof(buf), "; cpu %.0f%% within %.0f%%..%.0f%% -> x1%s", *in.cpu_percent,
                  in.cpu_target - 10, in.cpu_target + 10, off);
  }
  reason += buf;
  d.cpu_factor = in.cpu_rule ? d.cpu.factor : 1.0;

  const double base = static_cast<double>(in.base_bytes);
  double cap = base * d.memory_factor * d.cpu_factor;
  cap = std::clamp(cap, base / 4, base * 4);
  auto bytes = static_cast<uint64_t>(cap);
  if (in.max_bytes != 0 && bytes > in.max_bytes) {
    bytes = in.max_bytes;
    reason += "; capped at max " + human_bytes(in.max_bytes);
  }
  d.capacity_bytes = bytes;
  reason += "; " + human_bytes(in.current_bytes) + " -> " + human_bytes(bytes);
  d.reason = std::move(reason);
  return d;
}

std::vector<uint64_t> split_capacity(uint64_t total, const std::vector<double>& gains,
                                     double min_share) {
  const size_t n = gains.size();
  std::vector<uint64_t> out(n, 0);
  if (n == 0)
    return out;
  min_share = std::clamp(min_share, 0.0, 1.0);
  const auto floor_each = static_cast<uint64_t>(min_share * static_cast<double>(total / n));
  uint64_t rest = total - floor_each * n;

  std::vector<double> w(n);
  double sum = 0;
  for (size_t i = 0; i < n; ++i)
    sum += (w[i] = std::max(gains[i], 0.0));
  if (sum <= 0) {
    std::fill(w.begin(), w.end(), 1.0);
    sum = static_cast<double>(n);
  }
  // Largest remainder: integer parts first, then one byte each to the biggest fractions.
  std::vector<double> frac(n);
  uint64_t given = 0;
  for (size_t i = 0; i < n; ++i) {
    double exact = static_cast<double>(rest) * w[i] / sum;
    auto whole = std::min<uint64_t>(static_cast<uint64_t>(exact), rest - given);
    out[i] = floor_each + whole;
    given += whole;
    frac[i] = exact - static_cast<double>(whole);
  }
  std::vector<size_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return frac[a] > frac[b]; });
  for (size_t k = 0; given < rest; k = (k + 1) % n, ++given)
    ++out[order[k]];
  return out;
}

} // namespace ac
