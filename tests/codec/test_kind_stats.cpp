// Typed stats (messages/kind_stats.hpp): each kind's struct through its stats row and back.
#include <catch2/catch.hpp>

#include <set>
#include <string>

#include "messages/kind_stats.hpp"

using namespace ac;

namespace {

/// Gives every field of `s` a different value (1, 2, 3, ...), so a field written under one
/// name and read under another cannot come back equal.
template <class T>
T numbered() {
  T s;
  int64_t n = 0;
  T::fields(s, [&](const char*, int64_t& v) { v = ++n; });
  return s;
}

template <class T>
void check_round_trip() {
  auto sent = numbered<T>();
  actor_stats row;
  put_stats(row, sent);
  CHECK(row.kind == T::kind);
  auto got = stats_of<T>(row);
  std::set<std::string> names;
  size_t fields = 0;
  T::fields(sent, [&](const char* name, const int64_t&) {
    names.insert(name);
    ++fields;
  });
  CHECK(names.size() == fields); // no name used twice
  CHECK(row.counters.size() == fields);
  int64_t n = 0;
  T::fields(got, [&](const char* name, const int64_t& v) {
    INFO(T::kind << "." << name);
    CHECK(v == ++n);
  });
}

} // namespace

TEST_CASE("every counter of every kind's stats comes back from its row under its own name",
          "[stats]") {
  check_round_trip<shard_stats>();
  check_round_trip<coalescer_stats>();
  check_round_trip<redis_bridge_stats>();
  check_round_trip<warmer_stats>();
  check_round_trip<compute_stats>();
  check_round_trip<front_stats>();
  check_round_trip<membership_stats>();
  check_round_trip<supervisor_stats>();
  check_round_trip<resp_stats>();
}

TEST_CASE("a row of another kind reads as zeros, and a counter a row lacks reads as zero",
          "[stats]") {
  actor_stats coalescer_row;
  put_stats(coalescer_row, numbered<coalescer_stats>());
  auto as_shard = stats_of<shard_stats>(coalescer_row); // both have "errors"-like names
  CHECK(as_shard.hits == 0);
  CHECK(as_shard.refused == 0);
  actor_stats sparse;
  sparse.kind = "shard";
  sparse.counters = {{"hits", 7}};
  auto s = stats_of<shard_stats>(sparse);
  CHECK(s.hits == 7);
  CHECK(s.misses == 0);
}

TEST_CASE("the rows keep the counter names the console, --json and Prometheus show", "[stats]") {
  // interface.md and the tests of the tools name these; renaming a field must be deliberate.
  actor_stats row;
  put_stats(row, shard_stats{});
  for (auto name : {"hits", "misses", "entries", "bytes", "capacity_bytes", "evictions",
                    "expirations", "ghost_hits", "stale_hits"})
    CHECK(row.counters.count(name) == 1);
  actor_stats c;
  put_stats(c, coalescer_stats{});
  for (auto name : {"computes", "coalesced", "in_flight", "waiters", "l2_hits"})
    CHECK(c.counters.count(name) == 1);
}
