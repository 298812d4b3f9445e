// Scatter and gather of multi-key requests (core/key_partition.hpp).
#include <catch2/catch.hpp>

#include <string>

#include "core/key_partition.hpp"

using namespace ac;

TEST_CASE("keys are grouped by destination with their positions in request order", "[partition]") {
  std::vector<std::string> keys{"a1", "b1", "a2", "c1", "b2"};
  auto plan =
    partition<char>(keys.size(), [&](size_t i) { return std::optional<char>{keys[i][0]}; });
  REQUIRE(plan);
  REQUIRE(plan->size() == 3);
  CHECK((*plan)[0].dest == 'a');
  CHECK((*plan)[0].index == std::vector<size_t>{0, 2});
  CHECK((*plan)[1].index == std::vector<size_t>{1, 4});
  CHECK((*plan)[2].index == std::vector<size_t>{3});
  CHECK(pick(keys, (*plan)[1]) == std::vector<std::string>{"b1", "b2"});
}

TEST_CASE("a key without a destination fails the whole plan, and no keys make no parts",
          "[partition]") {
  auto none =
    partition<int>(3, [](size_t i) { return i == 1 ? std::nullopt : std::optional<int>{0}; });
  CHECK_FALSE(none);
  auto empty = partition<int>(0, [](size_t) { return std::optional<int>{0}; });
  REQUIRE(empty);
  CHECK(empty->empty());
}

TEST_CASE("answers of parts land at their keys' positions and the whole is done after the last",
          "[partition]") {
  gather<std::string, std::string> g{4, 2};
  std::vector<std::string> second{"B", "D"};
  CHECK(g.place({1, 3}, second, "wrong length"));
  CHECK_FALSE(g.done());
  std::vector<std::string> first{"A", "C"};
  CHECK(g.place({0, 2}, first, "wrong length"));
  REQUIRE(g.done());
  CHECK_FALSE(g.error());
  CHECK(g.results() == std::vector<std::string>{"A", "B", "C", "D"});
}

TEST_CASE(
  "the first error is the request's, an answer of the wrong length is one, and answers "
  "found before scattering stay",
  "[partition]") {
  gather<std::string, std::string> g{3, 3, {"hit", "", ""}};
  std::vector<std::string> short_answer{};
  CHECK_FALSE(g.place({1}, short_answer, "wrong length"));
  g.fail("node down");
  CHECK_FALSE(g.done());
  std::vector<std::string> late{"x"};
  g.place({2}, late, "wrong length");
  REQUIRE(g.done());
  REQUIRE(g.error());
  CHECK(*g.error() == "wrong length");
  CHECK(g.results()[0] == "hit");
  gather<std::string, std::string> prefilled{2, 1, {"hit"}};
  std::vector<std::string> rest{"miss-filled"};
  prefilled.place({1}, rest, "wrong length");
  CHECK(prefilled.results() == std::vector<std::string>{"hit", "miss-filled"});
}

TEST_CASE("a caller that answers at the first error gets its turn exactly once", "[partition]") {
  gather<std::string, std::string> failing{2, 2};
  CHECK_FALSE(failing.answer_now()); // nothing in yet
  failing.fail("node down");
  CHECK(failing.answer_now()); // the first error: answer now, before the other part
  std::vector<std::string> late{"x"};
  failing.place({1}, late, "wrong length");
  CHECK_FALSE(failing.answer_now()); // already answered
  gather<std::string, std::string> fine{2, 2};
  std::vector<std::string> a{"A"}, b{"B"};
  fine.place({0}, a, "wrong length");
  CHECK_FALSE(fine.answer_now());
  fine.place({1}, b, "wrong length");
  CHECK(fine.answer_now());
  CHECK_FALSE(fine.error());
  CHECK_FALSE(fine.answer_now());
}
