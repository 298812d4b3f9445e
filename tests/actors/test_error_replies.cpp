// Errors a client gets are named and counted once each: invalid feature keys, the node's error tally, the per-request key cap.
#include <catch2/catch.hpp>

#include "tests/support/node_fixture.hpp"

using namespace ac;
using ac::test::node_fixture;
using ac::test::total;
using namespace std::chrono_literals;

namespace {

std::string get_many_error(node_fixture& f, std::vector<std::string> keys, bool routed) {
  std::string out = "<answered>";
  auto on_error = [&](caf::error& e) { out = describe(e); };
  if (routed)
    f.self
      ->request(f.node.front, 5s, route_atom::value, get_many_atom::value, std::move(keys),
                uint64_t{0})
      .receive([](const lookup_results&) {}, on_error);
  else
    f.self->request(f.node.front, 5s, get_many_atom::value, std::move(keys))
      .receive([](const lookup_results&) {}, on_error);
  return out;
}

std::vector<std::string> keys_of(size_t n) {
  std::vector<std::string> keys;
  for (size_t i = 0; i < n; ++i)
    keys.push_back("k" + std::to_string(i));
  return keys;
}

} // namespace

TEST_CASE(
  "an invalid features key is an error that says why, and a key outside feat: is a plain miss",
  "[node][errors]") {
  node_fixture f{[](node_config& c) { c.loader_kind = "features"; }};
  auto malformed = f.get("feat:abc:10x3");
  CHECK(malformed.rfind("<error: bad_request", 0) == 0);
  CHECK(malformed.find("expected feat:<seed>:<rows>x<cols>") != std::string::npos);
  auto zero = f.get("feat:1:0x3");
  CHECK(zero.find("zero rows or columns") != std::string::npos);
  auto huge = f.get("feat:1:100000x100000");
  CHECK(huge.find("more than the limit") != std::string::npos);
  CHECK(f.get("user:1") == "<miss>");
  CHECK(f.get("feat:7:20x3").rfind("tensor float32", 0) == 0);
  // The caller's mistakes are not loader failures (advice would blame the loader).
  CHECK(total(f.report(), "loader_failures") == 0);
}

TEST_CASE("N failing gets of one coalesced key raise the node's error count by N",
          "[node][errors]") {
  node_fixture f{[](node_config& c) {
    c.loader_kind = "synthetic";
    c.loader_fail_prefix = "bad:";
    c.loader_cost = 50ms; // long enough for the gets to join one flight
  }};
  auto before = total(f.report(), "errors");
  REQUIRE(before == 0);
  const size_t n = 200;
  auto answers = test::concurrent_gets(f.sys, f.node.front, "bad:key", n, 10s);
  REQUIRE(answers.size() == n);
  for (auto& a : answers)
    REQUIRE(a.rfind("<error: compute_failed", 0) == 0);
  auto rep = f.report();
  CHECK(total(rep, "errors") == before + n);
  CHECK(total(rep, "computes") == 0);
  // Bad keys and refused requests count the same way, one per reply.
  CHECK(f.get("").rfind("<error: empty_key", 0) == 0);
  CHECK(get_many_error(f, {"ok", std::string(600, 'k')}, false).rfind("key_too_long", 0) == 0);
  CHECK(total(f.report(), "errors") == before + n + 2);
}

TEST_CASE(
  "a get_many over node.max-keys-per-request is refused whole with the cap named, from clients and peers",
  "[node][errors]") {
  node_fixture f{[](node_config& c) { c.node_max_keys_per_request = 100; }};
  REQUIRE(f.put("k7", "seven") == "");
  CHECK(get_many_error(f, keys_of(100), false) == "<answered>");
  auto refused = get_many_error(f, keys_of(101), false);
  CHECK(refused.rfind("bad_request", 0) == 0);
  CHECK(refused.find("101 keys in one get_many exceed node.max-keys-per-request=100")
        != std::string::npos);
  CHECK(get_many_error(f, keys_of(100000), true).find("node.max-keys-per-request=100")
        != std::string::npos);
  // The node keeps serving.
  CHECK(f.get("k7") == "seven");
}
