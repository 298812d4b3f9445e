// /proc and cgroup v2 text parsing for the memory/CPU readers (io/proc_readers reads the files).
#include "core/system_readers.hpp"

#include <algorithm>
#include <charconv>

#include "core/trim.hpp"

namespace ac {

namespace {

// Parses a leading unsigned number, skipping blanks; advances `s` past it.
std::optional<uint64_t> take_number(std::string_view& s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
    s.remove_prefix(1);
  uint64_t v = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{})
    return std::nullopt;
  s.remove_prefix(static_cast<size_t>(ptr - s.data()));
  return v;
}

} // namespace

std::optional<uint64_t> parse_meminfo_available(std::string_view text) {
  constexpr std::string_view key = "MemAvailable:";
  size_t pos = 0;
  while (pos < text.size()) {
    size_t eol = text.find('\n', pos);
    auto line =
      text.substr(pos, eol == std::string_view::npos ? std::string_view::npos : eol - pos);
    if (line.substr(0, key.size()) == key) {
      line.remove_prefix(key.size());
      auto kb = take_number(line);
      if (!kb || trim(line) != "kB")
        return std::nullopt;
      return *kb * 1024;
    }
    if (eol == std::string_view::npos)
      break;
    pos = eol + 1;
  }
  return std::nullopt;
}

std::optional<uint64_t> parse_cgroup_limit(std::string_view text) {
  text = trim(text);
  if (text.empty() || text == "max")
    return std::nullopt;
  auto v = take_number(text);
  if (!v || !text.empty())
    return std::nullopt;
  return v;
}

std::optional<unsigned> parse_cgroup_cpu_max(std::string_view text) {
  text = trim(text);
  if (text.substr(0, 3) == "max")
    return std::nullopt;
  auto quota = take_number(text);
  text = trim(text);
  auto period = take_number(text);
  if (!quota || !period || *period == 0 || *quota == 0 || !trim(text).empty())
    return std::nullopt;
  return static_cast<unsigned>(std::min<uint64_t>((*quota + *period - 1) / *period, 1u << 16));
}

unsigned usable_cores(unsigned online, std::optional<unsigned> affinity,
                      std::optional<unsigned> quota) {
  unsigned cores = std::max(1u, online);
  if (affinity && *affinity > 0)
    cores = std::min(cores, *affinity);
  if (quota && *quota > 0)
    cores = std::min(cores, *quota);
  return cores;
}

std::optional<cpu_times> parse_proc_stat(std::string_view text) {
  if (text.substr(0, 4) != "cpu ")
    return std::nullopt; // the aggregate line is always first
  auto line = text.substr(
    4, text.find('\n') == std::string_view::npos ? std::string_view::npos : text.find('\n') - 4);
  // user nice system idle iowait irq softirq steal [guest guest_nice]; guest time is
  // already included in user/nice, so only the first eight fields are summed.
  uint64_t fields[8] = {};
  int got = 0;
  for (; got < 8; ++got) {
    auto v = take_number(line);
    if (!v)
      break;
    fields[got] = *v;
  }
  if (got < 4)
    return std::nullopt;
  uint64_t total = 0;
  for (int i = 0; i < got; ++i)
    total += fields[i];
  uint64_t idle = fields[3] + fields[4];
  return cpu_times{total - idle, total};
}

double cpu_percent(cpu_times before, cpu_times after) {
  if (after.total <= before.total || after.busy < before.busy)
    return 0;
  double busy = static_cast<double>(after.busy - before.busy);
  double total = static_cast<double>(after.total - before.total);
  return std::clamp(busy / total * 100.0, 0.0, 100.0);
}

memory_reader::~memory_reader() = default;
cpu_reader::~cpu_reader() = default;

std::optional<uint64_t> parse_statm_resident_pages(std::string_view statm_text) {
  if (!take_number(statm_text)) // total program size
    return std::nullopt;
  return take_number(statm_text);
}

} // namespace ac
