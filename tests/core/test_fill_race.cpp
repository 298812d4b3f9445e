// Tests of core/fill_race: fills that land while a lease keeper's reads of the key are out.
#include <catch2/catch.hpp>

#include "core/fill_race.hpp"

using ac::fill_race;

TEST_CASE("A read that ends with no fill meanwhile gets nothing", "[fill_race]") {
  fill_race r;
  r.read_started("k");
  CHECK_FALSE(r.read_done("k").has_value());
  CHECK(r.reading() == 0);
}

TEST_CASE("A fill that lands while a read is out is handed to that read", "[fill_race]") {
  fill_race r;
  r.read_started("k");
  r.filled("k", "v");
  CHECK(r.read_done("k") == std::optional<std::string>{"v"});
  CHECK(r.kept() == 0);
}

TEST_CASE("A fill with no read out is not kept", "[fill_race]") {
  fill_race r;
  r.filled("k", "v");
  CHECK(r.kept() == 0);
  r.read_started("k");
  CHECK_FALSE(r.read_done("k").has_value()); // the value came before: the read itself finds it
}

TEST_CASE("Every read out during a fill gets it, and the last one drops it", "[fill_race]") {
  fill_race r;
  r.read_started("k");
  r.read_started("k");
  r.filled("k", "v");
  CHECK(r.read_done("k") == std::optional<std::string>{"v"});
  CHECK(r.kept() == 1);
  CHECK(r.read_done("k") == std::optional<std::string>{"v"});
  CHECK(r.kept() == 0);
  CHECK(r.reading() == 0);
  r.read_started("k");
  CHECK_FALSE(r.read_done("k").has_value()); // nothing served after the reads that raced
}

TEST_CASE("A later fill replaces the kept value and other keys are apart", "[fill_race]") {
  fill_race r;
  r.read_started("k");
  r.read_started("other");
  r.filled("k", "v1");
  r.filled("k", "v2");
  CHECK_FALSE(r.read_done("other").has_value());
  CHECK(r.read_done("k") == std::optional<std::string>{"v2"});
}
