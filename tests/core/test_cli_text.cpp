// Tests of what the tools print: escaped bytes, human-friendly numbers, glob patterns.
#include <catch2/catch.hpp>

#include "core/glob_match.hpp"
#include "core/human_format.hpp"
#include "core/printable_text.hpp"

using namespace ac;

TEST_CASE("escape codes, control bytes and invalid UTF-8 are escaped, UTF-8 text is kept",
          "[cli][text]") {
  CHECK(escape_bytes("plain key:1") == "plain key:1");
  CHECK(escape_bytes("\x1b[2J") == "\\x1b[2J");
  CHECK(escape_bytes(std::string{"a\0b", 3}) == "a\\x00b");
  CHECK(escape_bytes("line1\nline2\r\t") == "line1\\nline2\\r\\t");
  CHECK(escape_bytes("q\"b\\") == "q\\\"b\\\\");
  CHECK(escape_bytes("caf\xc3\xa9") == "caf\xc3\xa9");
  CHECK(escape_bytes("\xff\xc3") == "\\xff\\xc3");
  CHECK(escape_bytes("\xc2\x9b") == "\\xc2\\x9b"); // C1 CSI: a terminal escape in UTF-8
  CHECK(escape_bytes("\x7f") == "\\x7f");
  CHECK(is_plain_text("abc"));
  CHECK_FALSE(is_plain_text("a\nb"));
}

TEST_CASE("durations read in us, ms, s and minutes with three digits", "[cli][text]") {
  const std::pair<double, const char*> readings[] = {
    {87, "87us"}, {1234, "1.23ms"}, {24903679, "24.9s"}, {250000, "250ms"}, {200e6, "3.3min"}};
  for (auto& [us, text] : readings)
    CHECK(format_duration_us(us) == text);
}

TEST_CASE("ratios read as percentages with few decimals", "[cli][text]") {
  const std::pair<double, const char*> readings[] = {{0.0007186084985733032, "0.07%"},
                                                     {0.5, "50.0%"},
                                                     {1, "100.0%"},
                                                     {0, "0%"},
                                                     {0.0000001, "<0.01%"}};
  for (auto& [ratio, text] : readings)
    CHECK(format_percent(ratio) == text);
}

TEST_CASE("metrics are formatted by the convention of their names", "[cli][text]") {
  CHECK(format_metric("p99_us", 24903679) == "24.9s");
  CHECK(format_metric("usage_ratio", 0.0007186084985733032) == "0.07%");
  CHECK(format_metric("bytes", 1536) == "1.5 KiB");
  CHECK(format_metric("capacity_bytes", 100) == "100 B");
  CHECK(format_metric("entries", 12) == "12");
  CHECK(format_metric("uptime_s", 2.17) == "2.17s");
  CHECK(format_metric("usage_trend_bytes_per_min", 7540) == "7.4 KiB/min");
  CHECK(format_metric("factor", 0.333333) == "0.333");
}

TEST_CASE("glob patterns match like Redis's: star, question mark, sets, escapes", "[cli][glob]") {
  CHECK(glob_match("*", "anything/at:all"));
  CHECK(glob_match("user:*", "user:42"));
  CHECK(glob_match("user:*", "user:a/b")); // `*` crosses slashes: keys are not paths
  CHECK_FALSE(glob_match("user:*", "session:1"));
  CHECK(glob_match("k?", "k1"));
  CHECK_FALSE(glob_match("k?", "k12"));
  CHECK(glob_match("[ab]x", "bx"));
  CHECK(glob_match("[^ab]x", "cx"));
  CHECK(glob_match("[!ab]x", "cx"));
  CHECK_FALSE(glob_match("[!ab]x", "ax"));
  CHECK(glob_match("a\\*", "a*"));
  CHECK_FALSE(glob_match("a\\*", "ab"));
  CHECK(glob_match(".*", ".hidden"));
  CHECK(glob_match("*", std::string{"nul\0key", 7}));
  CHECK_FALSE(glob_match("nul*", std::string{"nul\0key", 7}));
}
