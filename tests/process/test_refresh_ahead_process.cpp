// Refresh-ahead on a real node over RESP (hits answered on the session's thread): a hot key read for 6 s never misses L1.
#include <catch2/catch.hpp>

#include <hiredis/hiredis.h>

#include <algorithm>
#include <map>
#include <memory>
#include <sstream>

#include "tests/support/node_process.hpp"
#include "tests/support/resp_client.hpp"

using namespace ac::test;
using namespace std::chrono_literals;

namespace {

/// INFO stats as name -> integer (fields that are not integers are left out).
std::map<std::string, int64_t> info_stats(resp_client& conn) {
  std::map<std::string, int64_t> out;
  auto r = conn.run({"INFO", "stats"});
  if (!r || r->type != REDIS_REPLY_STRING)
    return out;
  std::istringstream in{std::string(r->str, r->len)};
  std::string line;
  while (std::getline(in, line)) {
    auto colon = line.find(':');
    if (colon == std::string::npos)
      continue;
    try {
      out[line.substr(0, colon)] = std::stoll(line.substr(colon + 1));
    } catch (...) {}
  }
  return out;
}

struct run_result {
  std::map<std::string, int64_t> stats; ///< INFO stats once every read is counted
  int64_t reads = 0;
  std::chrono::milliseconds slowest{0}; ///< the slowest GET after the first
};

/// The node options of these tests: a synthetic loader at 200 ms a value, TTL 2 s, one shard.
std::vector<std::string> slow_short_lived(std::vector<std::string> more) {
  std::vector<std::string> args{"--loader.kind=synthetic", "--loader.cost=200ms",
                                "--cache.default-ttl=2s", "--cache.shards=1"};
  args.insert(args.end(), more.begin(), more.end());
  return args;
}

/// GET of one key every 10 ms for `span` on one connection (about 100 reads a second: the key
/// is hot), after a first GET that computes it; then INFO stats once every read is counted.
run_result read_hot_key(uint16_t port, std::chrono::milliseconds span) {
  resp_client conn{port};
  REQUIRE(conn.ok());
  run_result out;
  auto get = [&] {
    auto r = conn.run({"GET", "hot"});
    REQUIRE(r);
    REQUIRE(r->type == REDIS_REPLY_STRING);
    REQUIRE(r->len == 100); // loader.value-size
    ++out.reads;
  };
  get(); // the one miss: computed
  auto end = std::chrono::steady_clock::now() + span;
  auto next = std::chrono::steady_clock::now();
  while (next < end) {
    auto start = std::chrono::steady_clock::now();
    get();
    out.slowest = std::max(out.slowest, std::chrono::duration_cast<std::chrono::milliseconds>(
                                          std::chrono::steady_clock::now() - start));
    next += 10ms;
    std::this_thread::sleep_until(next); // pacing of the load, not a wait for a condition
  }
  // Every read is counted once the hits and misses add up to them.
  REQUIRE(wait_until(
    [&] {
      out.stats = info_stats(conn);
      return out.stats["keyspace_hits"] + out.stats["keyspace_misses"] >= out.reads;
    },
    5s));
  CHECK(out.stats.count("actorcache_refresh_ahead") == 1);
  CHECK(out.stats.count("actorcache_hot_misses") == 1);
  return out;
}

/// One node with `refresh_ahead`, the hot key read for 6 s (three of its lifetimes).
run_result read_hot_key(const std::string& refresh_ahead) {
  temp_dir dir{"ac-refresh-test"};
  node_process node("ra", slow_short_lived({"--cache.refresh-ahead=" + refresh_ahead}), dir.path());
  REQUIRE(node.start());
  auto port = node.resp_port();
  REQUIRE(port != 0);
  auto out = read_hot_key(port, 6s);
  REQUIRE(node.terminate() == std::optional<int>{0});
  return out;
}

} // namespace

TEST_CASE(
  "a hot key read over RESP for three of its lifetimes never misses L1 with refresh-ahead on",
  "[refresh-ahead][process]") {
  auto r = read_hot_key("0.8");
  INFO("computes " << r.stats["actorcache_computes"] << ", refresh_ahead "
                   << r.stats["actorcache_refresh_ahead"] << ", slowest " << r.slowest.count()
                   << " ms");
  CHECK(r.stats["keyspace_misses"] == 1);
  CHECK(r.stats["actorcache_hot_misses"] == 0);
  CHECK(r.stats["actorcache_refresh_ahead"] >= 2);
  // About once per TTL (2-3 s, rounded up to whole seconds): the first compute and 2-3 refreshes.
  CHECK(r.stats["actorcache_computes"] >= 3);
  CHECK(r.stats["actorcache_computes"] <= 5);
  // No read waited for a compute: that read would take the compute's 200 ms at least (the
  // bound is that, not less, so a slow moment of a busy CI box is no failure).
  CHECK(r.slowest < 200ms);
}

TEST_CASE("the same hot key expires and misses again with refresh-ahead off",
          "[refresh-ahead][process]") {
  auto r = read_hot_key("0");
  INFO("misses " << r.stats["keyspace_misses"] << ", slowest " << r.slowest.count() << " ms");
  CHECK(r.stats["keyspace_misses"] >= 2);
  CHECK(r.stats["actorcache_hot_misses"] >= 1); // it expired while hot
  CHECK(r.stats["actorcache_refresh_ahead"] == 0);
  CHECK(r.slowest >= 150ms); // the read after an expiry waits for the compute
}

TEST_CASE("cache.refresh-ahead outside 0 <= x < 1 is refused at start with exit code 2",
          "[refresh-ahead][process]") {
  temp_dir dir{"ac-refresh-test"};
  for (std::string bad : {"1", "1.5", "-0.1"}) {
    auto r = run_tool({program_path("actorcache-node"), "--node.port=0", "--resp.port=0",
                       "--cache.refresh-ahead=" + bad},
                      10s, dir.path() + "/node.err");
    CHECK(r.exit_code == 2);
  }
  std::ifstream err{dir.path() + "/node.err"};
  std::string text{std::istreambuf_iterator<char>{err}, {}};
  CHECK(text.find("cache.refresh-ahead") != std::string::npos);
}

TEST_CASE("SIGHUP switches refresh-ahead on in a running node",
          "[refresh-ahead][process][sighup]") {
  temp_dir dir{"ac-refresh-test"};
  auto ini = dir.path() + "/node.ini";
  std::ofstream{ini} << "[cache]\nrefresh-ahead=0\n";
  node_process node("ra", slow_short_lived({"--config-file=" + ini}), dir.path());
  REQUIRE(node.start());
  auto port = node.resp_port();
  REQUIRE(port != 0);
  std::ofstream{ini} << "[cache]\nrefresh-ahead=0.8\n";
  REQUIRE(node.send_signal(SIGHUP));
  REQUIRE(wait_until(
    [&] {
      std::ifstream log{node.log_file()};
      std::string text{std::istreambuf_iterator<char>{log}, {}};
      return text.find("SIGHUP: config reloaded; cache.refresh-ahead 0 -> 0.8")
             != std::string::npos;
    },
    10s));
  auto r = read_hot_key(port, 3500ms); // past the first value's end (2-3 s)
  CHECK(r.stats["keyspace_misses"] == 1);
  CHECK(r.stats["actorcache_hot_misses"] == 0);
  CHECK(r.stats["actorcache_refresh_ahead"] >= 1);
  REQUIRE(node.terminate() == std::optional<int>{0});
}
