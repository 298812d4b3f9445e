// The memory and CPU readers of a running node, from /proc and cgroup v2 (core/system_readers parses).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "core/system_readers.hpp"

namespace ac {

/// min(MemAvailable, memory.max - memory.current) when the cgroup v2 limit is a number,
/// else MemAvailable. Roots are settable so tests can point at a fake tree.
std::unique_ptr<memory_reader> make_proc_memory_reader(std::string proc_root = "/proc",
                                                       std::string cgroup_root = "/sys/fs/cgroup");

/// /proc/stat deltas between consecutive calls.
std::unique_ptr<cpu_reader> make_proc_cpu_reader(std::string proc_root = "/proc");

/// The cores this process may use (core/system_readers usable_cores): online cores, its
/// affinity mask, and the cgroup v2 cpu.max under `cgroup_root`.
unsigned read_usable_cores(const std::string& cgroup_root = "/sys/fs/cgroup");

/// Resident set size of this process from /proc/self/statm; nullopt off Linux.
std::optional<uint64_t> process_rss_bytes();

} // namespace ac
