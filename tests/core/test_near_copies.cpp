// Near copies of peers' hot keys: hits before expiry, expired copies dropped, the bound, forgetting.
#include <catch2/catch.hpp>

#include <algorithm>

#include "core/near_copies.hpp"

using ac::near_copies;
using namespace std::chrono_literals;

namespace {

const near_copies::time_point t0{};

} // namespace

TEST_CASE("A copy is served until just before it expires", "[near]") {
  near_copies near{8};
  near.keep("k", "v", t0 + 1s);
  auto* hit = near.find("k", t0);
  REQUIRE(hit != nullptr);
  CHECK(*hit == "v");
  REQUIRE(near.find("k", t0 + 999ms) != nullptr);
  CHECK(near.size() == 1);
}

TEST_CASE("A key without a copy is a miss and keeps nothing", "[near]") {
  near_copies near{8};
  CHECK(near.find("k", t0) == nullptr);
  CHECK(near.empty());
}

TEST_CASE("An expired copy is not served and is dropped when looked up", "[near]") {
  near_copies near{8};
  near.keep("k", "v", t0 + 1s);
  near.keep("other", "w", t0 + 5s);
  CHECK(near.find("k", t0 + 1s) == nullptr); // expiry itself is already too late
  CHECK(near.size() == 1);
  CHECK(near.keys() == std::vector<std::string>{"other"});
  CHECK(near.find("k", t0) == nullptr); // gone, not merely hidden
}

TEST_CASE("Keeping a key again replaces its value and its expiry", "[near]") {
  near_copies near{8};
  near.keep("k", "v1", t0 + 1s);
  near.keep("k", "v2", t0 + 3s);
  auto* hit = near.find("k", t0 + 2s);
  REQUIRE(hit != nullptr);
  CHECK(*hit == "v2");
  CHECK(near.size() == 1);
}

TEST_CASE("A full map evicts one copy before keeping another, so the bound holds", "[near]") {
  near_copies near{3};
  for (int i = 0; i < 10; ++i) {
    near.keep("k" + std::to_string(i), "v", t0 + 1s);
    REQUIRE(near.size() <= 3);
  }
  CHECK(near.size() == 3);
  // The newest copy is always kept: the eviction happens before it goes in.
  CHECK(near.find("k9", t0) != nullptr);
}

TEST_CASE("A bound of zero keeps only the newest copy", "[near]") {
  near_copies near{0};
  for (const char* key : {"a", "b", "c"})
    near.keep(key, "v", t0 + 1s);
  CHECK(near.size() == 1);
  CHECK(near.find("c", t0) != nullptr);
}

TEST_CASE("Forgetting a key drops its copy and says whether there was one", "[near]") {
  near_copies near{8};
  near.keep("k", "v", t0 + 1s);
  near.keep("j", "w", t0 + 1s);
  CHECK(near.forget("k"));
  CHECK_FALSE(near.forget("k"));
  CHECK(near.find("k", t0) == nullptr);
  CHECK(near.find("j", t0) != nullptr);
}

TEST_CASE("Clearing drops every copy", "[near]") {
  near_copies near{8};
  near.keep("k", "v", t0 + 1s);
  near.keep("j", "w", t0 + 1s);
  near.clear();
  CHECK(near.empty());
  CHECK(near.keys().empty());
  CHECK(near.find("j", t0) == nullptr);
}

TEST_CASE("The keys listed are every copy held, expired ones not yet looked up included",
          "[near]") {
  near_copies near{8};
  near.keep("a", "1", t0 + 1s);
  near.keep("b", "2", t0 + 1ms);
  auto keys = near.keys();
  std::sort(keys.begin(), keys.end());
  CHECK(keys == std::vector<std::string>{"a", "b"});
}
