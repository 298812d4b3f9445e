// Tests of the /proc and cgroup text parsers (io/proc_readers reads the files: tests/io).
#include <catch2/catch.hpp>

#include "core/system_readers.hpp"
#include "tests/support/proc_samples.hpp"

using namespace ac;
using ac::test::sample_meminfo;
using ac::test::sample_meminfo_available;

TEST_CASE("MemAvailable is read in kB and returned in bytes") {
  CHECK(parse_meminfo_available(sample_meminfo) == sample_meminfo_available);
}

TEST_CASE("meminfo without MemAvailable or with a bad unit gives nothing") {
  CHECK_FALSE(parse_meminfo_available("MemTotal: 100 kB\n"));
  CHECK_FALSE(parse_meminfo_available("MemAvailable: lots kB\n"));
  CHECK_FALSE(parse_meminfo_available("MemAvailable: 100 MB\n"));
  CHECK_FALSE(parse_meminfo_available(""));
}

TEST_CASE("a cgroup limit of max means no limit") {
  CHECK_FALSE(parse_cgroup_limit("max\n"));
  CHECK(parse_cgroup_limit("536870912\n") == uint64_t{536870912});
  CHECK_FALSE(parse_cgroup_limit("12abc"));
  CHECK_FALSE(parse_cgroup_limit(""));
}

TEST_CASE("proc stat busy time excludes idle and iowait") {
  auto t = parse_proc_stat("cpu  100 5 50 800 40 3 2 0 0 0\ncpu0 1 2 3 4\n");
  REQUIRE(t);
  CHECK(t->total == 1000);
  CHECK(t->busy == 160);
  CHECK_FALSE(parse_proc_stat("cpu0 1 2 3 4\n"));
  CHECK_FALSE(parse_proc_stat("cpu  1 2\n"));
}

TEST_CASE("cpu percent is busy delta over total delta") {
  CHECK(cpu_percent({100, 1000}, {175, 1100}) == Approx(75.0));
  CHECK(cpu_percent({100, 1000}, {100, 1000}) == 0.0);
  CHECK(cpu_percent({500, 1000}, {100, 900}) == 0.0); // counters went backwards
}

TEST_CASE("statm's second number is the resident set in pages") {
  CHECK(parse_statm_resident_pages("4242 1717 300 10 0 900 0\n") == uint64_t{1717});
  CHECK_FALSE(parse_statm_resident_pages("4242"));
  CHECK_FALSE(parse_statm_resident_pages(""));
}

TEST_CASE("a cgroup cpu.max quota is read as whole cores, rounded up, and max means no quota") {
  CHECK(parse_cgroup_cpu_max("200000 100000\n") == 2u);
  CHECK(parse_cgroup_cpu_max("150000 100000\n") == 2u); // 1.5 cores: two threads may run
  CHECK(parse_cgroup_cpu_max("50000 100000\n") == 1u);
  CHECK_FALSE(parse_cgroup_cpu_max("max 100000\n"));
  CHECK_FALSE(parse_cgroup_cpu_max("100000 0\n"));
  CHECK_FALSE(parse_cgroup_cpu_max("0 100000\n"));
  CHECK_FALSE(parse_cgroup_cpu_max("lots 100000\n"));
  CHECK_FALSE(parse_cgroup_cpu_max("100000 100000 junk\n"));
  CHECK_FALSE(parse_cgroup_cpu_max(""));
}

TEST_CASE("usable cores are the online cores, fewer under an affinity mask or a CPU quota") {
  CHECK(usable_cores(16, std::nullopt, std::nullopt) == 16);
  CHECK(usable_cores(16, 4u, std::nullopt) == 4);          // taskset -c 0-3
  CHECK(usable_cores(16, std::nullopt, 2u) == 2);          // a container limited to 2 CPUs
  CHECK(usable_cores(16, 4u, 2u) == 2);                    // the smaller of both
  CHECK(usable_cores(2, 8u, 8u) == 2);                     // neither raises the machine's count
  CHECK(usable_cores(0, std::nullopt, std::nullopt) == 1); // unknown: one
  CHECK(usable_cores(16, 0u, 0u) == 16);                   // unreadable answers are ignored
}
