// Numbers as people read them: durations in us/ms/s, ratios as percentages, bytes in KiB/MiB.
#pragma once

#include <string>
#include <string_view>

namespace ac {

/// 87 -> "87us", 1234 -> "1.23ms", 24903679 -> "24.9s", 200e6 -> "3.3min".
std::string format_duration_us(double us);

/// A ratio in 0..1 as a percentage with few decimals: 0.5 -> "50.0%",
/// 0.0007186084985733032 -> "0.07%", 0.00001 -> "<0.01%", 0 -> "0%".
std::string format_percent(double ratio);

/// 512 -> "512 B", 1536 -> "1.5 KiB".
std::string format_bytes(double bytes);

/// A plain count or gauge: integral values without decimals, others with at most 3
/// significant decimals ("12", "0.333", "1.5e+09").
std::string format_number(double x);

/// A named metric by the convention of its name: `..._us` and `..._s` a duration,
/// `..._bytes_per_min` a byte rate, `..._ratio`,
/// `..._rate` and `..._share` a percentage, `bytes` / `..._bytes` bytes, else a number.
std::string format_metric(std::string_view name, double value);

} // namespace ac
