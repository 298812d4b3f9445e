// /proc and cgroup v2 parsing and the file-backed memory/CPU readers.
#include "system_readers.hpp"

#include <algorithm>
#include <charconv>
#include <fstream>
#include <sstream>
#include <unistd.h>

namespace ac {

namespace {

std::string_view trim(std::string_view s) {
  auto ws = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
  while (!s.empty() && ws(s.front()))
    s.remove_prefix(1);
  while (!s.empty() && ws(s.back()))
    s.remove_suffix(1);
  return s;
}

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

std::optional<std::string> read_file(const std::string& path) {
  std::ifstream in(path);
  if (!in)
    return std::nullopt;
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

} // namespace

std::optional<uint64_t> parse_meminfo_available(std::string_view text) {
  constexpr std::string_view key = "MemAvailable:";
  size_t pos = 0;
  while (pos < text.size()) {
    size_t eol = text.find('\n', pos);
    auto line = text.substr(pos, eol == std::string_view::npos ? std::string_view::npos : eol - pos);
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

std::optional<cpu_times> parse_proc_stat(std::string_view text) {
  if (text.substr(0, 4) != "cpu ")
    return std::nullopt; // the aggregate line is always first
  auto line = text.substr(4, text.find('\n') == std::string_view::npos
                               ? std::string_view::npos : text.find('\n') - 4);
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

namespace {

class proc_memory_reader final : public memory_reader {
public:
  proc_memory_reader(std::string proc, std::string cgroup)
    : proc_(std::move(proc)), cgroup_(std::move(cgroup)) {}

  std::optional<uint64_t> available_bytes() override {
    std::optional<uint64_t> avail;
    if (auto text = read_file(proc_ + "/meminfo"))
      avail = parse_meminfo_available(*text);
    auto max_text = read_file(cgroup_ + "/memory.max");
    auto cur_text = read_file(cgroup_ + "/memory.current");
    if (max_text && cur_text) {
      auto limit = parse_cgroup_limit(*max_text);
      auto used = parse_cgroup_limit(*cur_text);
      if (limit && used) {
        uint64_t headroom = *limit > *used ? *limit - *used : 0;
        avail = avail ? std::min(*avail, headroom) : headroom;
      }
    }
    return avail;
  }

private:
  std::string proc_;
  std::string cgroup_;
};

class proc_cpu_reader final : public cpu_reader {
public:
  explicit proc_cpu_reader(std::string proc) : proc_(std::move(proc)) {}

  std::optional<double> utilization_percent() override {
    auto text = read_file(proc_ + "/stat");
    if (!text)
      return std::nullopt;
    auto now = parse_proc_stat(*text);
    if (!now)
      return std::nullopt;
    auto prev = last_;
    last_ = now;
    if (!prev)
      return std::nullopt;
    return cpu_percent(*prev, *now);
  }

private:
  std::string proc_;
  std::optional<cpu_times> last_;
};

} // namespace

std::unique_ptr<memory_reader> make_proc_memory_reader(std::string proc_root,
                                                       std::string cgroup_root) {
  return std::make_unique<proc_memory_reader>(std::move(proc_root), std::move(cgroup_root));
}

std::unique_ptr<cpu_reader> make_proc_cpu_reader(std::string proc_root) {
  return std::make_unique<proc_cpu_reader>(std::move(proc_root));
}

std::optional<uint64_t> process_rss_bytes() {
  auto text = read_file("/proc/self/statm");
  if (!text)
    return std::nullopt;
  std::string_view s = *text;
  if (!take_number(s)) // total program size
    return std::nullopt;
  auto resident = take_number(s);
  if (!resident)
    return std::nullopt;
  long page = ::sysconf(_SC_PAGESIZE);
  return *resident * static_cast<uint64_t>(page > 0 ? page : 4096);
}

} // namespace ac
