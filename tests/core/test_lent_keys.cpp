// Tests of core/lent_keys: the owner's record of hot keys whose near copies peers may hold.
#include <catch2/catch.hpp>

#include "core/lent_keys.hpp"

using ac::lent_keys;
using namespace std::chrono_literals;

namespace {
const lent_keys::time_point t0{std::chrono::seconds(1000)};
}

TEST_CASE("A lent key is lent until its loan ends", "[lent]") {
  lent_keys lent{8};
  REQUIRE(lent.lend("k", t0 + 2s, t0));
  CHECK(lent.is_lent("k", t0));
  CHECK(lent.is_lent("k", t0 + 1999ms));
  CHECK_FALSE(lent.is_lent("k", t0 + 2s));
  CHECK_FALSE(lent.is_lent("other", t0));
}

TEST_CASE("Taking a key says whether its loan was live and ends it", "[lent]") {
  lent_keys lent{8};
  lent.lend("live", t0 + 2s, t0);
  lent.lend("ended", t0 + 1s, t0);
  CHECK(lent.take("live", t0 + 1500ms));
  CHECK_FALSE(lent.is_lent("live", t0 + 1500ms));
  CHECK_FALSE(lent.take("live", t0 + 1500ms));
  CHECK_FALSE(lent.take("ended", t0 + 1500ms)); // its copies are gone: nobody to tell
  CHECK(lent.size() == 0);
}

TEST_CASE("Lending a key again extends its loan", "[lent]") {
  lent_keys lent{8};
  lent.lend("k", t0 + 1s, t0);
  lent.lend("k", t0 + 3s, t0 + 500ms);
  CHECK(lent.is_lent("k", t0 + 2s));
  CHECK(lent.size() == 1);
}

TEST_CASE("A full record drops ended loans for a new one, and refuses it when all are live",
          "[lent]") {
  lent_keys lent{2};
  REQUIRE(lent.lend("a", t0 + 1s, t0));
  REQUIRE(lent.lend("b", t0 + 5s, t0));
  CHECK_FALSE(lent.lend("c", t0 + 5s, t0 + 500ms)); // a and b live: c is not remembered
  CHECK_FALSE(lent.is_lent("c", t0 + 500ms));
  CHECK(lent.lend("c", t0 + 5s, t0 + 2s)); // a ended: its place goes to c
  CHECK(lent.is_lent("c", t0 + 2s));
  CHECK(lent.is_lent("b", t0 + 2s));
  CHECK(lent.lend("b", t0 + 6s, t0 + 2s)); // a key already lent is always extended
}

TEST_CASE("Clearing ends every loan", "[lent]") {
  lent_keys lent{8};
  lent.lend("a", t0 + 1s, t0);
  lent.clear();
  CHECK_FALSE(lent.is_lent("a", t0));
}
