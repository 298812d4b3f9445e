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
