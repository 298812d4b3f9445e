// Tests for a node's own warming list: which resident keys it names, and the list's bytes in L2.
#include <catch2/catch.hpp>

#include <random>

#include "core/warm_list.hpp"

using namespace ac;

namespace {
std::vector<std::string> keys_of(const std::vector<std::pair<std::string, uint64_t>>& v) {
  std::vector<std::string> out;
  for (auto& kv : v)
    out.push_back(kv.first);
  return out;
}
} // namespace

TEST_CASE("a node's warming list lives under a key of its own id") {
  CHECK(warm_list_key("127.0.0.1:7101") == "actorcache:warm:127.0.0.1:7101");
  CHECK(warm_list_key("c") != warm_list_key("a"));
}

TEST_CASE("tracked keys rank above the tail, and the policy's frequency orders the tail") {
  // A key the 1-in-16 samples saw once (16) beats any sketch count alone (at most 15).
  CHECK(warm_score(16, 0) > warm_score(0, 15));
  CHECK(warm_score(0, 9) > warm_score(0, 2));
  CHECK(warm_score(64, 3) > warm_score(64, 1));
}

TEST_CASE("warm names keep the hottest entries offered, hottest first") {
  warm_names n{3};
  n.offer("cold", 1);
  n.offer("warm", 5);
  n.offer("hot", 90);
  n.offer("colder", 0);
  n.offer("hotter", 95);
  auto got = n.take();
  CHECK(keys_of(got) == std::vector<std::string>{"hotter", "hot", "warm"});
  CHECK(got.front().second == 95);
  CHECK(n.size() == 0);
}

TEST_CASE("warm names choose the same entries whatever order they are offered in") {
  std::vector<std::pair<std::string, uint64_t>> all;
  for (int i = 0; i < 500; ++i)
    all.emplace_back("key:" + std::to_string(i), static_cast<uint64_t>(i % 37)); // many ties
  std::vector<std::string> first;
  std::mt19937 rng{7};
  for (int round = 0; round < 5; ++round) {
    std::shuffle(all.begin(), all.end(), rng);
    warm_names n{50};
    for (auto& [k, s] : all)
      n.offer(k, s);
    auto got = keys_of(n.take());
    REQUIRE(got.size() == 50);
    if (round == 0)
      first = got;
    CHECK(got == first);
  }
}

TEST_CASE("warm names with no room keep nothing") {
  warm_names n{0};
  n.offer("a", 100);
  CHECK(n.take().empty());
}

TEST_CASE("a warming list reads back as it was written, binary keys included") {
  std::vector<std::string> keys{"plain", std::string{"nul\0byte", 8}, "", std::string(300, 'x'),
                                "\xff\x80"};
  std::vector<uint64_t> scores{1000, 17, 0, uint64_t{1} << 60, 3};
  auto bytes = encode_warm_list(keys, scores);
  std::vector<std::string> k;
  std::vector<uint64_t> s;
  REQUIRE(decode_warm_list(bytes, 100, k, s));
  CHECK(k == keys);
  CHECK(s == scores);
}

TEST_CASE("a warming list read with a smaller bound keeps its hottest keys") {
  auto bytes = encode_warm_list({"a", "b", "c", "d"}, {4, 3});
  std::vector<std::string> k;
  std::vector<uint64_t> s;
  REQUIRE(decode_warm_list(bytes, 2, k, s));
  CHECK(k == std::vector<std::string>{"a", "b"});
  CHECK(s == std::vector<uint64_t>{4, 3});
  REQUIRE(decode_warm_list(bytes, 10, k, s));
  CHECK(s == std::vector<uint64_t>{4, 3, 0, 0}); // scores not given count 0
}

TEST_CASE("an empty warming list is a valid one") {
  std::vector<std::string> k{"left over"};
  std::vector<uint64_t> s{1};
  REQUIRE(decode_warm_list(encode_warm_list({}, {}), 10, k, s));
  CHECK(k.empty());
  CHECK(s.empty());
}

TEST_CASE("a value that is not a warming list is refused, never half read") {
  std::vector<std::string> k;
  std::vector<uint64_t> s;
  auto good = encode_warm_list({"alpha", "beta", "gamma"}, {3, 2, 1});
  // Cut anywhere: refused, nothing kept.
  for (size_t cut = 0; cut < good.size(); ++cut) {
    INFO("cut at " << cut);
    CHECK_FALSE(decode_warm_list(good.substr(0, cut), 10, k, s));
    CHECK(k.empty());
  }
  CHECK_FALSE(decode_warm_list(good + "x", 10, k, s));    // trailing bytes
  CHECK_FALSE(decode_warm_list("hello world", 10, k, s)); // a user's value
  auto other_version = good;
  other_version[4] = 2;
  CHECK_FALSE(decode_warm_list(other_version, 10, k, s));
  // A count far beyond what the bytes could hold is refused before anything is reserved.
  std::string huge{"ACWL\x01\xff\xff\xff\xff\x0f", 10};
  CHECK_FALSE(decode_warm_list(huge, 10, k, s));
  CHECK(k.empty());
}
