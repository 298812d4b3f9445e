// SET's options read as Redis 7 reads them: conditions, the four kinds of expiry, repeats, refusals.
#include <catch2/catch.hpp>

#include "core/set_options.hpp"

using ac::resp::parse_set_options;
using condition = ac::resp::set_options::condition;

namespace {

constexpr int64_t now_ms = 1'700'000'000'000;

ac::resp::set_options parse(std::vector<std::string> opts) {
  std::vector<std::string> argv{"SET", "k", "v"};
  argv.insert(argv.end(), opts.begin(), opts.end());
  return parse_set_options(argv, now_ms);
}

} // namespace

TEST_CASE("A plain SET names no condition and no lifetime", "[set]") {
  auto o = parse({});
  CHECK(o.error.empty());
  CHECK(o.cond == condition::always);
  CHECK(o.ttl_ms == 0);
  CHECK_FALSE(o.past);
}

TEST_CASE("NX and XX may repeat but not meet", "[set]") {
  CHECK(parse({"nx", "NX"}).cond == condition::absent);
  CHECK(parse({"XX", "xx"}).cond == condition::present);
  CHECK(parse({"NX", "XX"}).error == "ERR syntax error");
  CHECK(parse({"XX", "NX"}).error == "ERR syntax error");
}

TEST_CASE("EX and PX are relative, EXAT and PXAT absolute, the last of one kind wins", "[set]") {
  CHECK(parse({"EX", "10"}).ttl_ms == 10'000);
  CHECK(parse({"px", "1500"}).ttl_ms == 1'500);
  CHECK(parse({"EX", "10", "EX", "20"}).ttl_ms == 20'000);
  CHECK(parse({"EXAT", std::to_string(now_ms / 1000 + 60)}).ttl_ms == 60'000);
  CHECK(parse({"PXAT", std::to_string(now_ms + 250)}).ttl_ms == 250);
  CHECK(parse({"NX", "PX", "100"}).cond == condition::absent);
  CHECK(parse({"EX", "10", "PX", "100"}).error == "ERR syntax error");
  CHECK(parse({"PX", "100", "EXAT", "1"}).error == "ERR syntax error");
}

TEST_CASE("A moment already gone marks the key to go; a far one is kept 2^40 ms", "[set]") {
  auto gone = parse({"EXAT", "1"});
  CHECK(gone.error.empty());
  CHECK(gone.past);
  CHECK(parse({"PXAT", std::to_string(now_ms)}).past);
  CHECK_FALSE(parse({"PXAT", std::to_string(now_ms + 1)}).past);
  CHECK(parse({"EXAT", "9999999999"}).ttl_ms == int64_t{1} << 40);
  CHECK(parse({"EX", "9300000000"}).ttl_ms == int64_t{1} << 40);
}

TEST_CASE("Bad lifetimes and unknown or unsupported options are refused with Redis's words",
          "[set]") {
  CHECK(parse({"EX", "0"}).error == "ERR invalid expire time in 'set' command");
  CHECK(parse({"EX", "-1"}).error == "ERR invalid expire time in 'set' command");
  CHECK(parse({"EXAT", "0"}).error == "ERR invalid expire time in 'set' command");
  CHECK(parse({"PX", "1.5"}).error == "ERR value is not an integer or out of range");
  CHECK(parse({"EX"}).error == "ERR syntax error");
  CHECK(parse({"FOO"}).error == "ERR syntax error");
  CHECK(parse({"GET"}).error.rfind("ERR SET GET is not supported", 0) == 0);
  CHECK(parse({"keepttl"}).error.rfind("ERR SET keepttl is not supported", 0) == 0);
}
