// In-process tests of overload and staleness: node.max-inflight, stale-while-revalidate, stale-if-error.
#include <catch2/catch.hpp>

#include "tests/support/node_fixture.hpp"

using namespace ac;
using ac::test::node_fixture;
using ac::test::total;
using namespace std::chrono_literals;

namespace {

std::string get_with_source(node_fixture& f, const std::string& key, uint8_t* source) {
  std::string out;
  f.self->request(f.node.front, 5s, get_atom::value, key)
    .receive(
      [&](const lookup_result& r) {
        out = r.found ? node_fixture::value_of(r) : "<miss>";
        *source = r.source;
      },
      [&](caf::error& e) { out = "<error: " + describe(e) + ">"; });
  return out;
}

/// Stale-while-revalidate on its own, values served up to 60 s past their TTL while the
/// synthetic loader refreshes them: the polled key turns hot, and refresh-ahead would replace
/// it before it ever went stale.
void stale_while_revalidate(node_config& c) {
  c.cache_stale_ttl = 60s;
  c.cache_refresh_ahead = 0;
  c.loader_kind = "synthetic";
}

/// Puts `value` at `key` with a 1 s TTL and lets L1's `clock` pass 2 s; checks that the stale
/// value is still answered, at once, from L1 and counted as a stale hit.
void check_served_stale(node_fixture& f, manual_clock& clock, const std::string& key,
                        const std::string& value) {
  REQUIRE(f.put(key, value, 1) == "");
  clock.advance(2s);
  CHECK(f.get(key) == value);
  CHECK(total(f.report(), "stale_hits") == 1);
}

} // namespace

TEST_CASE("beyond node.max-inflight requests are refused at once with overloaded", "[overload]") {
  node_fixture f{[](node_config& c) {
    c.node_max_inflight = 8;
    c.loader_kind = "synthetic";
    c.loader_cost = 50ms;
  }};
  auto answers = ac::test::concurrent_gets(f.sys, f.node.front, "busy", 3000, 10s);
  REQUIRE(answers.size() == 3000);
  auto overloaded = std::count_if(answers.begin(), answers.end(), [](const std::string& a) {
    return a.find("overloaded") != std::string::npos;
  });
  auto served = std::count_if(answers.begin(), answers.end(),
                              [](const std::string& a) { return a.size() == 100; });
  CHECK(overloaded > 0);
  CHECK(served > 0);
  CHECK(overloaded + served == 3000); // every request got an answer: no timeouts
  // Once the burst is over the node serves normally.
  CHECK(f.get("busy").size() == 100);
}

TEST_CASE("a value past its TTL is served stale while one refresh replaces it", "[stale]") {
  auto clock = std::make_shared<manual_clock>(); // L1's time moves only when the test says
  node_fixture f{[](node_config& c) {
                   stale_while_revalidate(c);
                   c.loader_cost = 200ms;
                 },
                 ac::test::with_clock(clock)};
  check_served_stale(f, *clock, "quote", "old");
  uint8_t source = 0;
  // The background refresh (one compute) soon replaces it.
  CHECK(f.eventually([&] { return get_with_source(f, "quote", &source).size() == 100; }, 5s));
  CHECK(source == static_cast<uint8_t>(tier::l1));
  CHECK(total(f.report(), "computes") == 1);
}

TEST_CASE("when the refresh fails the stale value keeps being served", "[stale]") {
  auto clock = std::make_shared<manual_clock>(); // L1's time moves only when the test says
  node_fixture f{[](node_config& c) {
                   stale_while_revalidate(c);
                   c.loader_fail_prefix = "fail-";
                 },
                 ac::test::with_clock(clock)};
  check_served_stale(f, *clock, "fail-quote", "last-good");
  for (int i = 0; i < 5; ++i)
    CHECK(f.get("fail-quote") == "last-good");
  CHECK(total(f.report(), "computes") == 0);
}
