// Unit tests of single flight: joins, warms, the hand-off's asking mark, the negative cache and settling values.
#include <catch2/catch.hpp>

#include <string>

#include "core/single_flight.hpp"

using namespace ac;
using namespace std::chrono_literals;

namespace {

/// Waiters are names, values and errors strings: what each caller would be answered is visible.
using table = single_flight<std::string, std::string, std::string>;
const auto t0 = table::clock::time_point{} + 1h;

} // namespace

TEST_CASE(
  "the first caller of a key starts its flight, later callers join it and all are answered at its end") {
  table t;
  CHECK(t.join("k", "first", t0));
  CHECK_FALSE(t.join("k", "second", t0 + 1ms));
  CHECK_FALSE(t.join("k", "third", t0 + 2ms));
  CHECK(t.join("other", "x", t0)); // another key, another flight
  CHECK(t.flights() == 2);
  CHECK(t.waiting() == 4);
  CHECK(t.stats().coalesced == 2);
  CHECK(t.stats().max_waiters == 3);
  auto f = t.finish("k");
  REQUIRE(f);
  CHECK(f->waiters == std::vector<std::string>{"first", "second", "third"});
  CHECK(f->joined == std::vector<table::clock::time_point>{t0, t0 + 1ms, t0 + 2ms});
  CHECK_FALSE(t.in_flight("k"));
  CHECK_FALSE(t.finish("k"));          // a flight ends once
  CHECK(t.join("k", "next", t0 + 1s)); // after its end, a new flight
}

TEST_CASE(
  "a warm starts an L2-only flight that a load turns into a full one, and never joins or duplicates work") {
  table t;
  CHECK(t.warm("k", "warm", t0));
  CHECK(t.warm_only("k"));
  CHECK_FALSE(t.warm("k", "warm again", t0)); // a flight runs
  CHECK_FALSE(t.join("k", "load", t0));       // the load joins the warm's flight ...
  CHECK_FALSE(t.warm_only("k"));              // ... which is a load's flight now
  auto f = t.finish("k");
  REQUIRE(f);
  CHECK(f->warmers == std::vector<std::string>{"warm"});
  CHECK(f->waiters == std::vector<std::string>{"load"});
  CHECK_FALSE(t.warm_only("nothing"));
}

TEST_CASE("a flight asking the previous owner is marked until the answer comes") {
  table t;
  t.join("k", "a", t0);
  CHECK_FALSE(t.asking("k"));
  t.set_asking("k", true);
  CHECK(t.asking("k"));
  t.set_asking("k", false);
  CHECK_FALSE(t.asking("k"));
  t.set_asking("none", true); // no flight: nothing to mark
  CHECK_FALSE(t.asking("none"));
}

TEST_CASE(
  "with a negative TTL a failure answers later loads until it ends, and stops warms meanwhile") {
  table t{500ms, 10};
  t.join("k", "a", t0);
  t.finish("k");
  t.remember_failure("k", "loader failed", t0);
  auto* e = t.recent_failure("k", t0 + 100ms);
  REQUIRE(e);
  CHECK(*e == "loader failed");
  CHECK(t.stats().negative_hits == 1);
  CHECK_FALSE(t.warm("k", "w", t0 + 100ms));
  CHECK_FALSE(t.recent_failure("k", t0 + 500ms)); // ended, and forgotten
  CHECK(t.warm("k", "w", t0 + 600ms));
  CHECK(t.stats().negative_hits == 1);
}

TEST_CASE(
  "without a negative TTL no failure is remembered, and a full negative cache drops one to take another") {
  table none;
  none.remember_failure("k", "boom", t0);
  CHECK_FALSE(none.recent_failure("k", t0));

  table small{1s, 2};
  small.remember_failure("a", "1", t0);
  small.remember_failure("b", "2", t0);
  small.remember_failure("c", "3", t0);
  int remembered = (small.recent_failure("a", t0) != nullptr)
                   + (small.recent_failure("b", t0) != nullptr)
                   + (small.recent_failure("c", t0) != nullptr);
  CHECK(remembered == 2);
  CHECK(small.recent_failure("c", t0) != nullptr); // the newest is always kept
}

TEST_CASE(
  "a value settling into L1 answers loads while no flight runs, until its last fill is answered") {
  table t;
  t.join("k", "a", t0);
  t.finish("k");
  t.settle("k", "v1");
  auto* v = t.settling_value("k");
  REQUIRE(v);
  CHECK(*v == "v1");
  CHECK(t.stats().settled == 1);
  CHECK_FALSE(t.warm("k", "w", t0)); // the value is on its way: nothing to warm
  // A second fill of the key (a refresh) before the first was answered: the newer value is
  // held until both are answered.
  t.settle("k", "v2");
  t.fill_done("k");
  REQUIRE(t.settling_value("k"));
  CHECK(*t.settling_value("k") == "v2");
  t.fill_done("k");
  CHECK_FALSE(t.settling_value("k"));
  CHECK(t.settling() == 0);
  t.fill_done("k"); // an extra answer changes nothing
  CHECK(t.settling() == 0);
}

TEST_CASE("a running flight comes before a settling value: a load joins it") {
  table t;
  t.settle("k", "old");
  t.join("k", "a", t0); // a refresh started a flight of the key
  CHECK_FALSE(t.settling_value("k"));
  CHECK_FALSE(t.join("k", "b", t0));
  CHECK(t.waiting() == 2);
}

TEST_CASE("taking every flight out leaves none, with each flight's waiters") {
  table t;
  t.join("a", "1", t0);
  t.join("b", "2", t0);
  t.join("b", "3", t0);
  auto all = t.take_all();
  CHECK(all.size() == 2);
  size_t waiters = 0;
  for (auto& f : all)
    waiters += f.waiters.size();
  CHECK(waiters == 3);
  CHECK(t.flights() == 0);
}
