// Tests of io/proc_readers: the file-backed memory and CPU readers on a fake /proc and cgroup tree.
#include <catch2/catch.hpp>

#include "io/proc_readers.hpp"
#include "tests/support/proc_samples.hpp"

#include <sched.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

using namespace ac;
using ac::test::sample_meminfo;
using ac::test::sample_meminfo_available;
namespace fs = std::filesystem;

namespace {

// A throwaway directory tree for the readers, removed at scope exit.
struct temp_tree {
  fs::path root;
  temp_tree() {
    std::string tmpl = (fs::temp_directory_path() / "ac_sysreaders_XXXXXX").string();
    root = ::mkdtemp(tmpl.data());
    fs::create_directories(root / "proc");
    fs::create_directories(root / "cg");
  }
  ~temp_tree() { fs::remove_all(root); }
  void write(const std::string& rel, const std::string& text) { std::ofstream(root / rel) << text; }
};

} // namespace

TEST_CASE("the memory reader takes the smaller of MemAvailable and cgroup headroom") {
  temp_tree t;
  t.write("proc/meminfo", sample_meminfo);
  auto r = make_proc_memory_reader((t.root / "proc").string(), (t.root / "cg").string());

  SECTION("no cgroup files: MemAvailable") {
    CHECK(r->available_bytes() == sample_meminfo_available);
  }
  // The cgroup's memory.max and memory.current, and what the reader makes of them.
  const struct {
    const char* what;
    const char* max;
    const char* current;
    uint64_t available;
  } limits[] = {
    {"a numeric limit below MemAvailable wins", "1073741824\n", "73741824\n", 1000000000},
    {"a limit of max leaves MemAvailable", "max\n", "73741824\n", sample_meminfo_available},
    {"usage above the limit leaves no headroom", "1000\n", "2000\n", 0},
  };
  for (auto& l : limits)
    DYNAMIC_SECTION(l.what) {
      t.write("cg/memory.max", l.max);
      t.write("cg/memory.current", l.current);
      CHECK(r->available_bytes() == l.available);
    }
}

TEST_CASE("the cpu reader reports the delta between calls, nothing on the first") {
  temp_tree t;
  t.write("proc/stat", "cpu  100 0 0 900 0 0 0 0\n");
  auto r = make_proc_cpu_reader((t.root / "proc").string());
  CHECK_FALSE(r->utilization_percent());
  t.write("proc/stat", "cpu  150 0 0 950 0 0 0 0\n");
  auto pct = r->utilization_percent();
  REQUIRE(pct);
  CHECK(*pct == Approx(50.0));
}

TEST_CASE("readers pointed at a missing tree report nothing instead of failing") {
  auto m = make_proc_memory_reader("/nonexistent/proc", "/nonexistent/cg");
  CHECK_FALSE(m->available_bytes());
  auto c = make_proc_cpu_reader("/nonexistent/proc");
  CHECK_FALSE(c->utilization_percent());
}

TEST_CASE("this process has a nonzero resident set") {
  auto rss = process_rss_bytes();
  REQUIRE(rss);
  CHECK(*rss > 0);
}

TEST_CASE("the usable cores follow this process's affinity mask and a cgroup CPU quota") {
  temp_tree t;
  cpu_set_t mask;
  CPU_ZERO(&mask);
  REQUIRE(::sched_getaffinity(0, sizeof mask, &mask) == 0);
  auto allowed = static_cast<unsigned>(CPU_COUNT(&mask));
  // No cpu.max: what the mask allows (this test's own, whatever CI runs it with).
  CHECK(read_usable_cores((t.root / "cg").string()) == allowed);
  t.write("cg/cpu.max", "max 100000\n");
  CHECK(read_usable_cores((t.root / "cg").string()) == allowed);
  t.write("cg/cpu.max", "100000 100000\n"); // a container limited to one CPU
  CHECK(read_usable_cores((t.root / "cg").string()) == 1);
}
