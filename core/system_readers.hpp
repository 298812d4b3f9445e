// Memory and CPU readers for adaptive sizing: pure /proc and cgroup parsers behind replaceable interfaces.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace ac {

// -- pure parsers (unit-tested on literal text) -------------------------------

/// "MemAvailable: N kB" of /proc/meminfo, in bytes; nullopt when absent or malformed.
std::optional<uint64_t> parse_meminfo_available(std::string_view meminfo_text);

/// A cgroup v2 memory.max / memory.current value in bytes; "max" (no limit) and
/// malformed text give nullopt.
std::optional<uint64_t> parse_cgroup_limit(std::string_view text);

/// Jiffies from the aggregate "cpu " line of /proc/stat.
struct cpu_times {
  uint64_t busy;  // total - idle - iowait
  uint64_t total; // sum of all fields
};
std::optional<cpu_times> parse_proc_stat(std::string_view stat_text);

/// Utilization between two readings in percent 0..100; 0 when no time passed.
double cpu_percent(cpu_times before, cpu_times after);

// -- interfaces the sizing supervisor depends on (tests inject fakes) ----------

class memory_reader {
public:
  virtual ~memory_reader();
  /// Bytes the process may still allocate; nullopt when it cannot be read.
  virtual std::optional<uint64_t> available_bytes() = 0;
};

class cpu_reader {
public:
  virtual ~cpu_reader();
  /// Machine CPU utilization since the previous call; the first call returns nullopt.
  virtual std::optional<double> utilization_percent() = 0;
};

/// min(MemAvailable, memory.max - memory.current) when the cgroup v2 limit is a number,
/// else MemAvailable. Roots are settable so tests can point at a fake tree.
std::unique_ptr<memory_reader> make_proc_memory_reader(std::string proc_root = "/proc",
                                                       std::string cgroup_root = "/sys/fs/cgroup");

/// /proc/stat deltas between consecutive calls.
std::unique_ptr<cpu_reader> make_proc_cpu_reader(std::string proc_root = "/proc");

/// Resident set size of this process from /proc/self/statm; nullopt off Linux.
std::optional<uint64_t> process_rss_bytes();

} // namespace ac
