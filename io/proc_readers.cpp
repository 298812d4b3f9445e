// The memory and CPU readers of a running node: /proc and cgroup v2 files, parsed by
// core/system_readers.
#include "io/proc_readers.hpp"

#include <sched.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <thread>

namespace ac {

namespace {

std::optional<std::string> read_file(const std::string& path) {
  std::ifstream in(path);
  if (!in)
    return std::nullopt;
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

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

unsigned read_usable_cores(const std::string& cgroup_root) {
  std::optional<unsigned> affinity;
  cpu_set_t set;
  CPU_ZERO(&set);
  if (::sched_getaffinity(0, sizeof set, &set) == 0)
    affinity = static_cast<unsigned>(CPU_COUNT(&set));
  std::optional<unsigned> quota;
  if (auto text = read_file(cgroup_root + "/cpu.max"))
    quota = parse_cgroup_cpu_max(*text);
  return usable_cores(std::thread::hardware_concurrency(), affinity, quota);
}

std::optional<uint64_t> process_rss_bytes() {
  auto text = read_file("/proc/self/statm");
  if (!text)
    return std::nullopt;
  auto resident = parse_statm_resident_pages(*text);
  if (!resident)
    return std::nullopt;
  long page = ::sysconf(_SC_PAGESIZE);
  return *resident * static_cast<uint64_t>(page > 0 ? page : 4096);
}

} // namespace ac
