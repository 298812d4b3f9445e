// Belady's OPT, the trace formats the simulator reads, and the Zipf generator.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <random>
#include <sstream>

#include "core/belady.hpp"
#include "core/trace_reader.hpp"
#include "core/zipf_generator.hpp"

using namespace ac;

// -- Belady -------------------------------------------------------------------

namespace {

// Best hit count over every choice of victim (every miss is admitted).
uint64_t brute_force_opt(const std::vector<uint64_t>& t, size_t i, std::vector<uint64_t> cache,
                         size_t cap) {
  if (i == t.size())
    return 0;
  if (std::find(cache.begin(), cache.end(), t[i]) != cache.end())
    return 1 + brute_force_opt(t, i + 1, cache, cap);
  if (cache.size() < cap) {
    cache.push_back(t[i]);
    return brute_force_opt(t, i + 1, cache, cap);
  }
  uint64_t best = 0;
  for (size_t v = 0; v < cache.size(); ++v) {
    auto next = cache;
    next[v] = t[i];
    best = std::max(best, brute_force_opt(t, i + 1, next, cap));
  }
  return best;
}

} // namespace

TEST_CASE("belady matches a brute-force search on small random traces", "[belady]") {
  std::mt19937_64 rng(3);
  for (int round = 0; round < 200; ++round) {
    size_t len = 4 + rng() % 9, keys = 2 + rng() % 5, cap = 1 + rng() % 3;
    std::vector<uint64_t> t(len);
    for (auto& k : t)
      k = rng() % keys;
    INFO("round " << round);
    REQUIRE(belady_hits(t, cap) == brute_force_opt(t, 0, {}, cap));
  }
}

TEST_CASE("belady on a loop larger than the cache keeps a fixed part of it", "[belady]") {
  std::vector<uint64_t> t;
  for (int r = 0; r < 100; ++r)
    for (uint64_t k = 0; k < 10; ++k)
      t.push_back(k);
  // 5 slots, loop of 10: after warm-up roughly half the accesses hit (LRU would get 0).
  REQUIRE(belady_hit_rate(t, 5) > 0.4);
  REQUIRE(belady_hit_rate(t, 10) == Approx(0.99));
  REQUIRE(belady_hits({}, 3) == 0);
}

// -- trace reader -------------------------------------------------------------

TEST_CASE("lirs traces skip star and blank lines and accept CRLF and spaces", "[trace]") {
  std::istringstream in("1\n*\n\n 22 \r\n*checkpoint\n333\n18446744073709551615");
  auto r = read_trace(in, trace_format::lirs);
  REQUIRE(r.ok());
  REQUIRE(r.keys == std::vector<uint64_t>{1, 22, 333, 18446744073709551615ULL});
}

TEST_CASE("malformed lirs lines are reported with their line number", "[trace]") {
  for (const char* bad : {"1\n2x\n", "1\n-3\n", "1\n99999999999999999999999\n", "1\n1 2\n"}) {
    std::istringstream in(bad);
    auto r = read_trace(in, trace_format::lirs);
    INFO(bad);
    REQUIRE_FALSE(r.ok());
    REQUIRE(r.keys.empty());
    REQUIRE(r.error.find("line 2") != std::string::npos);
  }
}

TEST_CASE("u32be traces decode big-endian records and reject a partial one", "[trace]") {
  std::string bytes("\x00\x00\x00\x01\xff\xff\xff\xff\x01\x02\x03\x04", 12);
  std::istringstream good(bytes);
  auto r = read_trace(good, trace_format::u32be);
  REQUIRE(r.ok());
  REQUIRE(r.keys == std::vector<uint64_t>{1, 0xffffffffULL, 0x01020304ULL});
  std::istringstream bad(bytes.substr(0, 10));
  auto e = read_trace(bad, trace_format::u32be);
  REQUIRE_FALSE(e.ok());
  REQUIRE(e.error.find("offset 8") != std::string::npos);
}

TEST_CASE("trace formats are parsed by name", "[trace]") {
  REQUIRE(parse_trace_format("lirs") == trace_format::lirs);
  REQUIRE(parse_trace_format("u32be") == trace_format::u32be);
  REQUIRE_FALSE(parse_trace_format("csv").has_value());
}

// -- Zipf ---------------------------------------------------------------------

TEST_CASE("zipf frequencies follow the power law", "[zipf]") {
  for (double alpha : {0.5, 1.0, 1.5}) {
    const uint64_t n = 1000, draws = 400000;
    zipf_generator g(n, alpha, 11);
    std::vector<uint64_t> count(n);
    for (uint64_t i = 0; i < draws; ++i) {
      uint64_t k = g.next();
      REQUIRE(k < n);
      ++count[k];
    }
    double norm = 0;
    for (uint64_t r = 1; r <= n; ++r)
      norm += std::pow(r, -alpha);
    INFO("alpha " << alpha);
    for (uint64_t r : {0, 1, 9}) { // expected share of rank r is (r+1)^-alpha / norm
      double expected = std::pow(r + 1, -alpha) / norm;
      REQUIRE(count[r] / double(draws) == Approx(expected).epsilon(0.05));
    }
  }
}

TEST_CASE("zipf with alpha 0 is uniform and the same seed gives the same stream", "[zipf]") {
  auto u = zipf_generator::uniform(10, 5);
  std::vector<int> count(10);
  for (int i = 0; i < 100000; ++i)
    ++count[u.next()];
  for (int c : count)
    REQUIRE(c == Approx(10000).epsilon(0.05));
  zipf_generator a(100000, 1.0, 9), b(100000, 1.0, 9), c(100000, 1.0, 10);
  bool differs = false;
  for (int i = 0; i < 1000; ++i) {
    uint64_t x = a.next();
    REQUIRE(x == b.next());
    REQUIRE(x < 100000);
    differs |= x != c.next();
  }
  REQUIRE(differs);
  zipf_generator steep(100000, 2.0, 1);
  int zeros = 0;
  for (int i = 0; i < 10000; ++i)
    zeros += steep.next() == 0;
  REQUIRE(zeros / 10000.0 == Approx(0.608).epsilon(0.05)); // 1 / zeta(2)
}
