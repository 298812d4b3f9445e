// Redis AUTH with an ACL user (Redis 6+): the connection and a node authenticate as that user.
#include <catch2/catch.hpp>

#include "actors/redis_pipeline.hpp"
#include "tests/support/node_fixture.hpp"
#include "tests/support/node_process.hpp"
#include "tests/support/redis_server.hpp"

using namespace ac;
using namespace std::chrono_literals;

namespace {

/// Creates an ACL user allowed every key and command, through redis-cli (bounded by timeout).
bool create_acl_user(uint16_t port, const std::string& user, const std::string& password) {
  auto cmd = "timeout 10 redis-cli -p " + std::to_string(port) + " ACL SETUSER " + user + " on '>"
             + password + "' '~*' '+@all' > /dev/null 2>&1";
  return std::system(cmd.c_str()) == 0;
}

} // namespace

TEST_CASE("a connection authenticates as an ACL user and a wrong user password is refused",
          "[redis][auth]") {
  REQUIRE(test::missing_programs({"redis-server", "redis-cli"}).empty());
  test::redis_server redis;
  REQUIRE(create_acl_user(redis.port(), "cacheuser", "s3cret-pw"));
  redis_options o;
  o.port = redis.port();
  o.username = "cacheuser";
  o.password = "s3cret-pw";
  o.timeout = 1s;
  redis_connection good{o};
  std::string err;
  REQUIRE(good.connect(&err));
  REQUIRE(good.set_ex({{"k", "v", 60}}, &err));
  auto v = good.mget({"k"}, &err);
  REQUIRE(v);
  CHECK((*v)[0] == std::optional<std::string>{"v"});

  o.password = "wrong";
  redis_connection bad{o};
  CHECK_FALSE(bad.connect(&err));
  CHECK(err.find("wrong") == std::string::npos); // the password never shows in errors
}

TEST_CASE("a node with an ACL user writes computed values to Redis", "[redis][auth]") {
  REQUIRE(test::missing_programs({"redis-server", "redis-cli"}).empty());
  test::redis_server redis;
  REQUIRE(create_acl_user(redis.port(), "cacheuser", "s3cret-pw"));
  test::node_fixture f{[&](node_config& c) {
    c.redis_enabled = true;
    c.redis_port = redis.port();
    c.redis_username = "cacheuser";
    c.redis_password = "s3cret-pw";
    c.redis_timeout = 1s;
    c.loader_kind = "synthetic";
  }};
  CHECK(f.get("acl-key").size() == 100);
  redis_options o;
  o.port = redis.port();
  o.username = "cacheuser";
  o.password = "s3cret-pw";
  redis_connection check{o};
  std::string err;
  REQUIRE(check.connect(&err));
  CHECK(f.eventually([&] {
    auto v = check.mget({"acl-key"}, &err);
    return v && (*v)[0].has_value();
  }));
  CHECK(test::total(f.report(), "l2_errors") == 0);
}
