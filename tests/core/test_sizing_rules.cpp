// Tests for the adaptive sizing rules and the shard capacity split.
#include <catch2/catch.hpp>

#include "core/sizing_rules.hpp"

#include <numeric>
#include <utility>

using namespace ac;

namespace {
constexpr uint64_t mib = uint64_t{1} << 20;
constexpr uint64_t gib = uint64_t{1} << 30;

uint64_t sum_of(const std::vector<uint64_t>& xs) {
  return std::accumulate(xs.begin(), xs.end(), uint64_t{0});
}
} // namespace

TEST_CASE("the memory factor steps at 2, 4 and 8 GiB") {
  CHECK(memory_factor(0) == 0.25);
  CHECK(memory_factor(2 * gib - 1) == 0.25);
  CHECK(memory_factor(2 * gib) == 0.5);
  CHECK(memory_factor(4 * gib - 1) == 0.5);
  CHECK(memory_factor(4 * gib) == 0.75);
  CHECK(memory_factor(8 * gib - 1) == 0.75);
  CHECK(memory_factor(8 * gib) == 1.0);
}

TEST_CASE("high CPU shrinks the memory-derived capacity and the reason names the numbers") {
  sizing_input in{3 * gib + gib / 10, 85, 256 * mib, 0, 128 * mib};
  auto d = decide_capacity(in);
  CHECK(d.memory_factor == 0.5);
  CHECK(d.cpu_factor == 0.8);
  CHECK(d.capacity_bytes == static_cast<uint64_t>(256 * mib * 0.5 * 0.8));
  CHECK(d.reason == "available 3.1 GiB -> memory factor 0.5; cpu 85% > 80% -> x0.8; "
                    "128 MiB -> 102 MiB");
}

TEST_CASE("low CPU grows and CPU inside the band leaves the memory capacity") {
  sizing_input in{16 * gib, 30, 100 * mib, 0, 100 * mib};
  CHECK(decide_capacity(in).capacity_bytes == 120 * mib);
  in.cpu_percent = 75;
  auto d = decide_capacity(in);
  CHECK(d.cpu_factor == 1.0);
  CHECK(d.capacity_bytes == 100 * mib);
}

TEST_CASE("capacity never drops below a quarter of the base") {
  sizing_input in{1 * gib, 99, 100 * mib, 0, 100 * mib};
  CHECK(decide_capacity(in).capacity_bytes == 25 * mib);
}

TEST_CASE("capacity never exceeds max bytes") {
  sizing_input in{16 * gib, 5, 100 * mib, 110 * mib, 100 * mib};
  auto d = decide_capacity(in);
  CHECK(d.capacity_bytes == 110 * mib);
  CHECK(d.reason.find("capped") != std::string::npos);
}

TEST_CASE("with no gains the shards split equally and the sum is exact") {
  auto xs = split_capacity(1000, {0, 0, 0});
  CHECK(sum_of(xs) == 1000);
  for (auto x : xs)
    CHECK((x == 333 || x == 334));
}

TEST_CASE("gains steer the rest while every shard keeps its minimum share") {
  auto xs = split_capacity(1000, {3, 1, 0, 0}, 0.5);
  CHECK(sum_of(xs) == 1000);
  // floor 125 each; 500 left split 3:1.
  CHECK(xs[0] == 125 + 375);
  CHECK(xs[1] == 125 + 125);
  CHECK(xs[2] == 125);
  CHECK(xs[3] == 125);
}

TEST_CASE("a min share of 1 ignores gains") {
  auto xs = split_capacity(900, {100, 0, 0}, 1.0);
  CHECK(xs == std::vector<uint64_t>{300, 300, 300});
}

TEST_CASE("odd totals and fractional gains still sum exactly") {
  for (uint64_t total : std::vector<uint64_t>{0, 1, 7, 1000003, 256 * mib + 17}) {
    auto xs = split_capacity(total, {0.3, 2.7, 1e-9, 5, -1}, 0.2);
    REQUIRE(xs.size() == 5);
    CHECK(sum_of(xs) == total);
    for (auto x : xs)
      CHECK(x >= static_cast<uint64_t>(0.2 * (total / 5)));
  }
  CHECK(split_capacity(100, {}).empty());
}

TEST_CASE("no CPU figure appears before one was measured, and the CPU factor stays 1") {
  sizing_input in{16 * gib, std::nullopt, 100 * mib, 0, 100 * mib};
  auto d = decide_capacity(in);
  CHECK(d.cpu_factor == 1.0);
  CHECK_FALSE(d.cpu.measured);
  CHECK(d.reason.find("cpu not measured yet") != std::string::npos);
  CHECK(d.reason.find("70%") == std::string::npos);
  CHECK(d.capacity_bytes == 100 * mib);
}

TEST_CASE("a switched-off CPU rule leaves the capacity alone and says what it would have done") {
  sizing_input in{16 * gib, 99, 100 * mib, 0, 100 * mib};
  in.cpu_rule = false;
  auto d = decide_capacity(in);
  CHECK(d.cpu_factor == 1.0);
  CHECK_FALSE(d.cpu.enabled);
  CHECK(d.cpu.factor == 0.8); // what it would have applied
  CHECK(d.capacity_bytes == 100 * mib);
  CHECK(d.reason.find("cpu rule off") != std::string::npos);
}

TEST_CASE("a switched-off memory rule leaves the capacity alone and says what it would have done") {
  sizing_input in{1 * gib, 75, 100 * mib, 0, 100 * mib};
  in.memory_rule = false;
  auto d = decide_capacity(in);
  CHECK(d.memory_factor == 1.0);
  CHECK(d.memory.factor == 0.25);
  CHECK(d.capacity_bytes == 100 * mib);
  CHECK(d.reason.find("memory rule off") != std::string::npos);
}

TEST_CASE(
  "with a base below the hard cap idle CPU grows the capacity up to the cap, never past it") {
  // cache.max-bytes = 200 MiB is the budget; sizing.base-bytes = 100 MiB is where the rules start.
  sizing_input in{16 * gib, 5, 100 * mib, 200 * mib, 100 * mib};
  CHECK(decide_capacity(in).capacity_bytes == 120 * mib);
  in.max_bytes = 110 * mib;
  CHECK(decide_capacity(in).capacity_bytes == 110 * mib);
}

TEST_CASE("a node runs one RESP I/O loop per core but one, from 1 to 8") {
  CHECK(default_io_loops(0) == 1);
  CHECK(default_io_loops(1) == 1);
  CHECK(default_io_loops(2) == 1);
  CHECK(default_io_loops(4) == 3);
  CHECK(default_io_loops(9) == 8);
  CHECK(default_io_loops(64) == 8);
}

TEST_CASE("a node runs one scheduler thread per core, at least 2 and at most 4") {
  const std::pair<unsigned, uint32_t> cores_to_threads[] = {{0, 2}, {1, 2},  {2, 2},  {3, 3},
                                                            {4, 4}, {16, 4}, {128, 4}};
  for (auto [cores, threads] : cores_to_threads) {
    INFO(cores << " cores");
    CHECK(default_scheduler_threads(cores) == threads);
  }
}
