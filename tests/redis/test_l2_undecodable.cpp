// L2 entries this node cannot read (corrupt bytes, a newer envelope version): reported, counted, never silently overwritten.
#include <catch2/catch.hpp>

#include "tests/support/redis_node.hpp"

using namespace ac;
using namespace ac::test;
using namespace std::chrono_literals;

namespace {

/// What Redis holds at `key` ("" for nothing); fails the test when Redis does not answer.
std::string raw_value(redis_connection& c, const std::string& key) {
  std::string err;
  auto v = c.mget({key}, &err);
  REQUIRE(v);
  REQUIRE(v->size() == 1);
  return (*v)[0].value_or("");
}

std::string newer_entry() {
  auto e = make_bytes_entry("from the future", 0, 0, "node-v2");
  e.schema_version = entry_schema_version + 1;
  return encode_entry(e);
}

const std::string garbage("\x00\x01garbage\xff", 10);

// Redis holds `bytes` at `key` before a node (with `loader`) starts against it; `conn` reads
// what Redis keeps, behind the node's back.
struct node_over_stored_bytes {
  node_over_stored_bytes(const std::string& key, const std::string& bytes, std::string loader)
    : conn(stored(redis.port(), key, bytes)), node{[&](node_config& c) {
        use_redis(c, redis.port());
        c.loader_kind = loader;
        c.cache_default_ttl = 120s;
      }} {}

  static redis_connection stored(uint16_t port, const std::string& key, const std::string& bytes) {
    auto c = connect_directly(port);
    std::string err;
    REQUIRE(c.set_ex({{key, bytes, 60}}, &err));
    return c;
  }

  redis_server redis;
  redis_connection conn;
  node_fixture node;
};

} // namespace

TEST_CASE(
  "without a loader corrupt L2 bytes answer bad_value with the reason, counted as l2_corrupt and not as an L2 hit",
  "[redis][l2corrupt]") {
  REQUIRE(redis_server::installed());
  node_over_stored_bytes l2{"junk", garbage, "none"};
  auto v = l2.node.get("junk");
  CHECK(v.rfind("<error: bad_value", 0) == 0);
  CHECK(v.find("does not decode") != std::string::npos);
  auto rep = l2.node.report();
  CHECK(total(rep, "l2_corrupt") == 1);
  CHECK(total(rep, "l2_hits") == 0);
  CHECK(total(rep, "errors") == 1);
  CHECK(raw_value(l2.conn, "junk") == garbage); // nothing overwrote it
}

TEST_CASE(
  "without a loader an entry of a newer version answers bad_value naming the version and stays in Redis",
  "[redis][l2corrupt]") {
  REQUIRE(redis_server::installed());
  node_over_stored_bytes l2{"future", newer_entry(), "none"};
  auto v = l2.node.get("future");
  CHECK(v.find("bad_value") != std::string::npos);
  CHECK(v.find("newer") != std::string::npos);
  CHECK(v.find("version " + std::to_string(entry_schema_version + 1)) != std::string::npos);
  CHECK(total(l2.node.report(), "l2_corrupt") == 1);
  CHECK(raw_value(l2.conn, "future") == newer_entry());
}

TEST_CASE(
  "with a loader an entry of a newer version is computed and served here but Redis keeps the newer copy",
  "[redis][l2corrupt]") {
  REQUIRE(redis_server::installed());
  node_over_stored_bytes l2{"future", newer_entry(), "synthetic"};
  CHECK(l2.node.get("future").size() == 100);
  auto rep = l2.node.report();
  CHECK(total(rep, "l2_corrupt") == 1);
  CHECK(total(rep, "l2_hits") == 0);
  CHECK(total(rep, "computes") == 1);
  // The compute's write would have landed by now if there were one: a later L2 read shows it.
  CHECK(l2.node.put("after", "x") == "");
  REQUIRE(l2.node.eventually([&] { return !raw_value(l2.conn, "after").empty(); }));
  CHECK(raw_value(l2.conn, "future") == newer_entry());
}

TEST_CASE("with a loader corrupt bytes are recomputed and the overwrite is counted, not an L2 hit",
          "[redis][l2corrupt]") {
  REQUIRE(redis_server::installed());
  node_over_stored_bytes l2{"junk", garbage, "synthetic"};
  CHECK(l2.node.get("junk").size() == 100);
  auto rep = l2.node.report();
  CHECK(total(rep, "l2_corrupt") == 1);
  CHECK(total(rep, "l2_hits") == 0);
  CHECK(total(rep, "errors") == 0);
  REQUIRE(l2.node.eventually([&] { return decode_entry(raw_value(l2.conn, "junk")).has_value(); }));
}
