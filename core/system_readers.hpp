// Memory and CPU readers for adaptive sizing: the interfaces, and pure parsers of /proc and cgroup text.
//
// The readers that open the files live in io/proc_readers; the sizing supervisor sees only the
// interfaces, so tests inject fakes.
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

/// The cores a cgroup v2 cpu.max ("QUOTA PERIOD" in microseconds) lets the group use, rounded
/// up (150000 100000 is 2); "max PERIOD" (no quota) and malformed text give nullopt.
std::optional<unsigned> parse_cgroup_cpu_max(std::string_view text);

/// The cores a process sizes its threads by: the machine's online cores, fewer when its
/// affinity mask (taskset, cpusets) or its cgroup's CPU quota (a container's CPU limit) allows
/// fewer; at least 1. As Go's GOMAXPROCS and the JVM's availableProcessors count them: a node
/// given 4 of 16 cores that started 16 loops and workers would only add hand-offs.
unsigned usable_cores(unsigned online, std::optional<unsigned> affinity,
                      std::optional<unsigned> quota);

/// Jiffies from the aggregate "cpu " line of /proc/stat.
struct cpu_times {
  uint64_t busy;  // total - idle - iowait
  uint64_t total; // sum of all fields
};
std::optional<cpu_times> parse_proc_stat(std::string_view stat_text);

/// Utilization between two readings in percent 0..100; 0 when no time passed.
double cpu_percent(cpu_times before, cpu_times after);

/// The resident set in pages: the second number of /proc/PID/statm.
std::optional<uint64_t> parse_statm_resident_pages(std::string_view statm_text);

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

} // namespace ac
