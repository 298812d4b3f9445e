// Hit-rate acceptance tests on the shared LIRS traces: W-TinyLFU vs LRU, Caffeine and OPT.
#include "core/belady.hpp"
#include "core/keyed_policy.hpp"
#include "core/trace_reader.hpp"
#include "core/zipf_generator.hpp"
#include "tools/sim/lfu_policy.hpp"
#include "tools/sim/replay.hpp"

#include <catch2/catch.hpp>

#include <cstdio>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>

using namespace ac;

namespace {

const std::string trace_dir = std::string(AC_SOURCE_DIR) + "/../shared/data/traces";

// The decompressed trace, or empty if the file is missing (zcat prints nothing).
std::vector<uint64_t> load_trace(const std::string& name) {
  std::string path = trace_dir + "/" + name + ".trace.gz";
  if (!std::ifstream(path))
    return {};
  std::string text;
  FILE* pipe = popen(("zcat '" + path + "'").c_str(), "r");
  REQUIRE(pipe != nullptr);
  char buf[65536];
  size_t got;
  while ((got = fread(buf, 1, sizeof buf, pipe)) > 0)
    text.append(buf, got);
  REQUIRE(pclose(pipe) == 0);
  std::istringstream in(text);
  auto r = read_trace(in, trace_format::lirs);
  REQUIRE(r.ok());
  return r.keys;
}

struct reference {
  std::string trace;
  uint64_t capacity;
  double lru, opt; // percent
};

// Rows of the README table: "| trace | accesses | keys | capacity | LRU% | OPT% |"; a blank
// trace cell repeats the one above.
std::vector<reference> readme_references() {
  std::ifstream in(trace_dir + "/README.md");
  std::vector<reference> refs;
  std::regex row(
    R"(\|\s*([\w]*)\s*\|[^|]*\|[^|]*\|\s*(\d+)\s*\|\s*([\d.]+)%\s*\|\s*([\d.]+)%\s*\|)");
  std::string line, last;
  while (std::getline(in, line)) {
    std::smatch m;
    if (!std::regex_search(line, m, row))
      continue;
    if (!m[1].str().empty())
      last = m[1].str();
    refs.push_back({last, std::stoull(m[2].str()), std::stod(m[3].str()), std::stod(m[4].str())});
  }
  return refs;
}

// Rows of the README's peers table: "| trace | capacity | LRU | Caffeine | W-TinyLFU 1% | ARC |
// LIRS | OPT |", plain numbers. Keyed by trace and capacity; the value is Caffeine's hit rate.
std::map<std::pair<std::string, uint64_t>, double> readme_caffeine() {
  std::ifstream in(trace_dir + "/README.md");
  std::map<std::pair<std::string, uint64_t>, double> out;
  std::regex row(
    R"(\|\s*(\w+)\s*\|\s*(\d+)\s*\|\s*[\d.]+\s*\|\s*([\d.]+)\s*\|(\s*[\d.]+\s*\|){4}\s*$)");
  std::string line;
  while (std::getline(in, line)) {
    std::smatch m;
    if (std::regex_search(line, m, row))
      out[{m[1].str(), std::stoull(m[2].str())}] = std::stod(m[3].str());
  }
  return out;
}

/// True when `data` (a trace, a README table) has anything; else fails the test, naming what is
/// missing: the traces (../shared/data/traces) are part of the test set-up, as redis-server is
/// for the Redis tests, and a test that cannot read them has not passed.
template <class Data>
bool present(const Data& data, const std::string& what) {
  if (data.empty())
    FAIL_CHECK(what << " missing (../shared/data/traces beside the repository)");
  return !data.empty();
}

double policy_rate(const char* name, uint64_t capacity, const std::vector<uint64_t>& t,
                   uint64_t seed = 0) {
  auto p = make_keyed_policy(name, capacity, 0, seed);
  return 100 * sim::replay_hit_rate(*p, t);
}

} // namespace

TEST_CASE(
  "on the shared traces wtinylfu is never half a point below lru and OPT matches the "
  "README",
  "[traces]") {
  auto refs = readme_references();
  if (!present(refs, "trace README at " + trace_dir))
    return;
  double gap_closed = 0;
  int cases = 0;
  for (const char* name : {"loop", "multi1", "sprite", "gli", "2_pools", "cs", "ps"}) {
    auto t = load_trace(name);
    if (!present(t, "trace " + std::string(name)))
      continue;
    std::vector<uint64_t> caps{500, 1000};
    if (std::string(name) == "loop")
      caps.push_back(512);
    for (uint64_t c : caps) {
      double lru = policy_rate("lru", c, t), w = policy_rate("wtinylfu", c, t);
      double opt = 100 * belady_hit_rate(t, c);
      INFO(name << " @" << c << ": lru " << lru << " wtinylfu " << w << " opt " << opt);
      CHECK(w >= lru - 0.5);
      CHECK(w <= opt + 1e-9);
      if (opt - lru > 0.5) {
        gap_closed += (w - lru) / (opt - lru);
        ++cases;
      }
      for (auto& r : refs)
        if (r.trace == name && r.capacity == c) {
          CHECK(opt == Approx(r.opt).margin(0.1));
          CHECK(lru == Approx(r.lru).margin(0.1));
        }
    }
  }
  if (cases > 0)
    CHECK(gap_closed / cases >= 0.5); // mean share of the LRU->OPT gap closed
}

TEST_CASE(
  "on the shared traces wtinylfu is within half a point of the better of lru and "
  "caffeine, with the default sketch seed and with seeds 1 to 5",
  "[traces]") {
  auto caffeine = readme_caffeine();
  if (!present(caffeine, "peers table in " + trace_dir + "/README.md"))
    return;
  // Every row, every seed: no known misses (multi1@500, the last one, is met since session 6;
  // its closest seed is 1 point above the goal, bench/EVICTION.md).
  std::map<std::string, std::vector<uint64_t>> traces;
  for (auto& [row, caf] : caffeine) {
    auto& [name, c] = row;
    if (!traces.count(name))
      traces[name] = load_trace(name);
    auto& t = traces[name];
    if (!present(t, "trace " + name))
      continue;
    double goal = std::max(policy_rate("lru", c, t), caf) - 0.5;
    for (uint64_t seed : {0, 1, 2, 3, 4, 5}) {
      double w = policy_rate("wtinylfu", c, t, seed);
      INFO(name << " @" << c << " seed " << seed << ": wtinylfu " << w << " goal " << goal);
      CHECK(w >= goal);
    }
  }
}

TEST_CASE("on Zipf 1.0 with a 1% cache wtinylfu is within 3 points of perfect LFU", "[traces]") {
  zipf_generator g(100000, 1.0, 1);
  std::vector<uint64_t> t(500000);
  for (auto& k : t)
    k = g.next();
  sim::lfu_policy lfu(1000);
  double best = 100 * sim::replay_hit_rate(lfu, t);
  double w = policy_rate("wtinylfu", 1000, t);
  double lru = policy_rate("lru", 1000, t);
  INFO("lfu " << best << " wtinylfu " << w << " lru " << lru);
  CHECK(w >= best - 3);
  CHECK(w > lru + 5);
}
