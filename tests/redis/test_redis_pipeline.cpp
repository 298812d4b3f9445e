// test_redis_pipeline.cpp: redis_connection against a real redis-server: batching, TTLs, AUTH, failures, timeouts.
#include "actors/redis_pipeline.hpp"
#include "tests/support/redis_server.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <csignal>

using namespace ac;
using namespace std::chrono_literals;

namespace {

redis_options options_for(const test::redis_server& server, std::string prefix = "ac:") {
  redis_options opts;
  opts.port = server.port();
  opts.key_prefix = std::move(prefix);
  // Generous: these tests check results, not speed, and CI runs them beside other tests on
  // two cores. The timeout behaviour has its own test with a tight bound.
  opts.timeout = std::chrono::milliseconds(2000);
  return opts;
}

// A connected connection to `server`; fails the test when it cannot connect.
redis_connection connect_to(const test::redis_server& server, std::string prefix = "ac:") {
  redis_connection conn(options_for(server, std::move(prefix)));
  std::string error;
  bool ok = conn.connect(&error);
  INFO(error);
  REQUIRE(ok);
  return conn;
}

} // namespace

// redis-server is installed by scripts/install-deps.sh: without it the test fails, never skips.
#define REQUIRE_REDIS() REQUIRE(test::redis_server::installed())

namespace {

/// redis-server installed, checked before a fixture starts one.
struct redis_installed {
  redis_installed() { REQUIRE_REDIS(); }
};

/// A redis-server of the test's own and a connection to it (a failure to start or connect
/// fails the test).
struct connected_server : redis_installed {
  test::redis_server server;
  redis_connection conn = connect_to(server);
  std::string error;
};

} // namespace

TEST_CASE_METHOD(connected_server,
                 "set_ex then mget returns binary values and nullopt for missing keys", "[redis]") {
  std::string binary("\0a\0\xff\r\n$3\0", 10);
  REQUIRE(
    conn.set_ex({{"k1", binary, 60}, {std::string("k\0bin", 5), "v2", 60}, {"k3", "", 0}}, &error));
  auto values = conn.mget({"k1", "missing", std::string("k\0bin", 5), "k3"}, &error);
  INFO(error);
  REQUIRE(values);
  REQUIRE(values->size() == 4);
  CHECK((*values)[0] == binary);
  CHECK_FALSE((*values)[1].has_value());
  CHECK((*values)[2] == std::string("v2"));
  CHECK((*values)[3] == std::string()); // empty value is a hit, not a miss

  auto none = conn.mget({}, &error);
  REQUIRE(none);
  CHECK(none->empty());
}

TEST_CASE_METHOD(connected_server, "a large pipelined batch is applied completely", "[redis]") {
  std::vector<redis_connection::set_item> items;
  std::vector<std::string> keys;
  for (int i = 0; i < 2000; ++i) {
    keys.push_back("key" + std::to_string(i));
    items.emplace_back(keys.back(), std::string(100, static_cast<char>('a' + i % 26)), 60);
  }
  bool written = conn.set_ex(items, &error);
  INFO(error);
  REQUIRE(written);
  auto values = conn.mget(keys, &error);
  REQUIRE(values);
  for (size_t i = 0; i < keys.size(); ++i)
    CHECK((*values)[i] == std::get<1>(items[i]));
}

TEST_CASE_METHOD(connected_server,
                 "set_ex sets the TTL, ttl 0 means no expiry, and del removes keys and says "
                 "which were there",
                 "[redis]") {
  REQUIRE(conn.set_ex({{"short", "x", 100}, {"forever", "y", 0}}, &error));
  auto ttl = conn.ttl("short", &error);
  REQUIRE(ttl);
  CHECK(*ttl > 0);
  CHECK(*ttl <= 100);
  CHECK(conn.ttl("forever", &error) == -1);
  CHECK(conn.ttl("missing", &error) == -2);

  auto removed = conn.del({"short", "missing", "forever"}, &error);
  REQUIRE(removed);
  CHECK(*removed == std::vector<bool>{true, false, true});
  auto values = conn.mget({"short", "forever"}, &error);
  REQUIRE(values);
  CHECK_FALSE((*values)[0].has_value());
  CHECK_FALSE((*values)[1].has_value());
}

TEST_CASE_METHOD(connected_server,
                 "set_if applies SET NX and XX as Redis judges them and says which were applied",
                 "[redis]") {
  REQUIRE(conn.set_ex({{"held", "old", 0}}, &error));
  auto applied = conn.set_if({{"held", "nx", 60, true},
                              {"free", "nx", 60, true},
                              {"held", "xx", 0, false},
                              {"absent", "xx", 60, false}},
                             &error);
  INFO(error);
  REQUIRE(applied);
  CHECK(*applied == std::vector<bool>{false, true, true, false});
  auto values = conn.mget({"held", "free", "absent"}, &error);
  REQUIRE(values);
  CHECK((*values)[0] == std::string("xx"));
  CHECK((*values)[1] == std::string("nx"));
  CHECK_FALSE((*values)[2].has_value());
  CHECK(conn.ttl("held", &error) == -1);
  auto ttl = conn.ttl("free", &error);
  REQUIRE(ttl);
  CHECK((*ttl > 0 && *ttl <= 60));
}

TEST_CASE_METHOD(connected_server,
                 "mget_pttl returns each value with the milliseconds Redis gives it, in one "
                 "round trip",
                 "[redis]") {
  REQUIRE(conn.set_ex({{"short", "x", 3}, {"long", "y", 600}, {"forever", "z", 0}}, &error));
  auto values = conn.mget_pttl({"short", "missing", "long", "forever"}, &error);
  INFO(error);
  REQUIRE(values);
  REQUIRE(values->size() == 4);
  REQUIRE((*values)[0]);
  CHECK((*values)[0]->value == "x");
  CHECK((*values)[0]->pttl_ms > 1000);
  CHECK((*values)[0]->pttl_ms <= 3000);
  CHECK_FALSE((*values)[1].has_value());
  REQUIRE((*values)[2]);
  CHECK((*values)[2]->pttl_ms > 590'000);
  REQUIRE((*values)[3]);
  CHECK((*values)[3]->value == "z");
  CHECK((*values)[3]->pttl_ms == -1); // no expiry: ttl_left::never
  auto none = conn.mget_pttl({}, &error);
  REQUIRE(none);
  CHECK(none->empty());
  // A key whose TTL ended is a miss, not a value with a negative TTL.
  REQUIRE(conn.set_ex({{"brief", "b", 1}}, &error));
  bool expired = test::wait_until(
    [&] {
      auto v = conn.mget_pttl({"brief"}, &error);
      return v && v->size() == 1 && !(*v)[0];
    },
    5s);
  CHECK(expired);
}

TEST_CASE("the key prefix is added to every key and separates namespaces", "[redis]") {
  REQUIRE_REDIS();
  test::redis_server server;
  auto prefixed = connect_to(server, "p1:");
  auto raw = connect_to(server, "");
  std::string error;
  REQUIRE(prefixed.set_ex({{"k", "v", 60}}, &error));
  auto seen_raw = raw.mget({"p1:k", "k"}, &error);
  REQUIRE(seen_raw);
  CHECK((*seen_raw)[0] == std::string("v"));
  CHECK_FALSE((*seen_raw)[1].has_value());
}

TEST_CASE("a non-zero db is selected on connect", "[redis]") {
  REQUIRE_REDIS();
  test::redis_server server;
  auto opts = options_for(server);
  opts.db = 3;
  redis_connection db3(opts);
  std::string error;
  REQUIRE(db3.connect(&error));
  REQUIRE(db3.set_ex({{"k", "in db 3", 60}}, &error));
  auto db0 = connect_to(server);
  auto values = db0.mget({"k"}, &error);
  REQUIRE(values);
  CHECK_FALSE((*values)[0].has_value());
  values = db3.mget({"k"}, &error);
  REQUIRE(values);
  CHECK((*values)[0] == std::string("in db 3"));
}

TEST_CASE("AUTH with the right password works and a wrong one fails clearly", "[redis]") {
  REQUIRE_REDIS();
  test::redis_server server("s3cret-pass");
  auto opts = options_for(server);
  std::string error;

  opts.password = "s3cret-pass";
  redis_connection good(opts);
  REQUIRE(good.connect(&error));
  CHECK(good.ping(&error));

  opts.username = "default"; // ACL form: AUTH user password
  redis_connection acl(opts);
  REQUIRE(acl.connect(&error));
  CHECK(acl.ping(&error));

  opts.username.clear();
  opts.password = "wrong-pass";
  redis_connection bad(opts);
  CHECK_FALSE(bad.connect(&error));
  CHECK_FALSE(bad.connected());
  CHECK(error.find("AUTH failed") != std::string::npos);
  CHECK(error.find("WRONGPASS") != std::string::npos);
  CHECK(error.find("wrong-pass") == std::string::npos); // the password never shows up

  opts.password.clear();
  redis_connection anonymous(opts);
  REQUIRE(anonymous.connect(&error)); // no AUTH configured: no round trip on connect
  CHECK_FALSE(anonymous.ping(&error));
  CHECK(error.find("NOAUTH") != std::string::npos);
  CHECK(anonymous.connected()); // an error reply keeps the stream in sync
}

TEST_CASE("calls before connect fail with not connected", "[redis]") {
  redis_connection conn(redis_options{});
  std::string error;
  CHECK_FALSE(conn.mget({"k"}, &error));
  CHECK(error.find("not connected") != std::string::npos);
  CHECK_FALSE(conn.ping(&error));
}

TEST_CASE("connecting to a closed port fails and names the address", "[redis]") {
  redis_options opts;
  opts.port = test::free_port();
  redis_connection conn(opts);
  std::string error;
  CHECK_FALSE(conn.connect(&error));
  CHECK_FALSE(conn.connected());
  CHECK(error.find("127.0.0.1:" + std::to_string(opts.port)) != std::string::npos);
}

TEST_CASE_METHOD(
  connected_server,
  "a killed server gives an error and closes the connection and a restart reconnects", "[redis]") {
  REQUIRE(conn.set_ex({{"k", "v", 60}}, &error));

  server.kill();
  CHECK_FALSE(conn.mget({"k"}, &error));
  CHECK_FALSE(error.empty());
  CHECK_FALSE(conn.connected());
  CHECK_FALSE(conn.connect(&error));

  server.restart();
  REQUIRE(conn.connect(&error));
  CHECK(conn.ping(&error));
  auto values = conn.mget({"k"}, &error); // a fresh server without persistence is empty
  REQUIRE(values);
  CHECK_FALSE((*values)[0].has_value());
}

TEST_CASE("a hung server makes a call fail within a few timeouts", "[redis]") {
  REQUIRE_REDIS();
  test::redis_server server;
  auto opts = options_for(server);
  opts.timeout = 200ms;
  redis_connection conn(opts);
  std::string error;
  REQUIRE(conn.connect(&error));

  REQUIRE(server.process()->send_signal(SIGSTOP));
  auto start = std::chrono::steady_clock::now();
  bool ok = conn.ping(&error);
  auto elapsed = std::chrono::steady_clock::now() - start;
  server.process()->send_signal(SIGCONT);

  CHECK_FALSE(ok);
  CHECK(elapsed < opts.timeout * 3);
  CHECK(error.find("timed out") != std::string::npos);
  CHECK_FALSE(conn.connected());
  REQUIRE(conn.connect(&error));
  CHECK(conn.ping(&error));
}
