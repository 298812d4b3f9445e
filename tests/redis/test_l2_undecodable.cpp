// L2 entries this node cannot read (corrupt bytes, a newer envelope version): reported, counted, never silently overwritten.
#include <catch2/catch.hpp>

#include "actors/redis_pipeline.hpp"
#include "tests/support/node_fixture.hpp"
#include "tests/support/redis_server.hpp"

using namespace ac;
using ac::test::node_fixture;
using ac::test::total;
using namespace std::chrono_literals;

namespace {

auto redis_node(uint16_t port, std::string loader) {
  return [=](node_config& c) {
    c.redis_enabled = true;
    c.redis_port = port;
    c.loader_kind = loader;
    c.cache_default_ttl = 120s;
    c.redis_timeout = 1s;
  };
}

redis_connection direct(uint16_t port) {
  redis_options o;
  o.port = port;
  redis_connection c{o};
  std::string err;
  REQUIRE(c.connect(&err));
  return c;
}

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

} // namespace

TEST_CASE(
  "without a loader corrupt L2 bytes answer bad_value with the reason, counted as l2_corrupt and not as an L2 hit",
  "[redis][l2corrupt]") {
  REQUIRE(test::redis_server::installed());
  test::redis_server redis;
  auto conn = direct(redis.port());
  std::string err;
  REQUIRE(conn.set_ex({{"junk", garbage, 60}}, &err));
  node_fixture f{redis_node(redis.port(), "none")};
  auto v = f.get("junk");
  CHECK(v.rfind("<error: bad_value", 0) == 0);
  CHECK(v.find("does not decode") != std::string::npos);
  auto rep = f.report();
  CHECK(total(rep, "l2_corrupt") == 1);
  CHECK(total(rep, "l2_hits") == 0);
  CHECK(total(rep, "errors") == 1);
  CHECK(raw_value(conn, "junk") == garbage); // nothing overwrote it
}

TEST_CASE(
  "without a loader an entry of a newer version answers bad_value naming the version and stays in Redis",
  "[redis][l2corrupt]") {
  REQUIRE(test::redis_server::installed());
  test::redis_server redis;
  auto conn = direct(redis.port());
  std::string err;
  REQUIRE(conn.set_ex({{"future", newer_entry(), 60}}, &err));
  node_fixture f{redis_node(redis.port(), "none")};
  auto v = f.get("future");
  CHECK(v.find("bad_value") != std::string::npos);
  CHECK(v.find("newer") != std::string::npos);
  CHECK(v.find("version " + std::to_string(entry_schema_version + 1)) != std::string::npos);
  CHECK(total(f.report(), "l2_corrupt") == 1);
  CHECK(raw_value(conn, "future") == newer_entry());
}

TEST_CASE(
  "with a loader an entry of a newer version is computed and served here but Redis keeps the newer copy",
  "[redis][l2corrupt]") {
  REQUIRE(test::redis_server::installed());
  test::redis_server redis;
  auto conn = direct(redis.port());
  std::string err;
  REQUIRE(conn.set_ex({{"future", newer_entry(), 60}}, &err));
  node_fixture f{redis_node(redis.port(), "synthetic")};
  CHECK(f.get("future").size() == 100);
  auto rep = f.report();
  CHECK(total(rep, "l2_corrupt") == 1);
  CHECK(total(rep, "l2_hits") == 0);
  CHECK(total(rep, "computes") == 1);
  // The compute's write would have landed by now if there were one: a later L2 read shows it.
  CHECK(f.put("after", "x") == "");
  REQUIRE(f.eventually([&] { return !raw_value(conn, "after").empty(); }));
  CHECK(raw_value(conn, "future") == newer_entry());
}

TEST_CASE("with a loader corrupt bytes are recomputed and the overwrite is counted, not an L2 hit",
          "[redis][l2corrupt]") {
  REQUIRE(test::redis_server::installed());
  test::redis_server redis;
  auto conn = direct(redis.port());
  std::string err;
  REQUIRE(conn.set_ex({{"junk", garbage, 60}}, &err));
  node_fixture f{redis_node(redis.port(), "synthetic")};
  CHECK(f.get("junk").size() == 100);
  auto rep = f.report();
  CHECK(total(rep, "l2_corrupt") == 1);
  CHECK(total(rep, "l2_hits") == 0);
  CHECK(total(rep, "errors") == 0);
  REQUIRE(f.eventually([&] { return decode_entry(raw_value(conn, "junk")).has_value(); }));
}
