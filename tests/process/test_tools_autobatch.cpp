// Process tests of the client's automatic get batching (load --auto-batch) against a real node.
#include <catch2/catch.hpp>

#include <thread>

#include "tests/support/tool_node.hpp"

namespace {

using namespace std::chrono_literals;
using ac::test::program_path;
using ac::test::shell_result;

// Every tool run is bounded, so a hung client fails its check instead of hanging the binary.
shell_result run(const std::string& cmd, std::chrono::seconds timeout = 30s) {
  return ac::test::run_shell(cmd, timeout);
}

using ac::test::check_json_counts;
using ac::test::json_int;

// A node whose keys prefix0 .. prefix299 hold values made from their key (checked by --verify).
struct node_fixture : ac::test::tool_node {
  node_fixture() : tool_node("autobatch") {}

  shell_result preload(const std::string& prefix) const {
    return run(
      client("load --verify --sequential --get-ratio=0 --keys=300 --requests=300 "
             "--clients=4 --window=8 --json --key-prefix="
             + prefix));
  }
};

} // namespace

TEST_CASE("auto-batched gets each get the value of their own key, batched or not",
          "[tools][process][autobatch]") {
  node_fixture f;
  REQUIRE(f.start());
  // Keys 0..299 hold values made from their key; 300..399 are absent.
  REQUIRE(f.preload("vb-").rc == 0);
  // Many gets in flight at once, so the batcher has many queued per mailbox turn.
  for (std::string ab : {"64", "7", "0"}) {
    INFO("--auto-batch=" << ab);
    auto r =
      run(f.client("load --verify --sequential --get-ratio=1 --keys=400 --requests=400 "
                   "--clients=4 --window=32 --key-prefix=vb- --json --auto-batch="
                   + ab));
    CHECK(r.rc == 0);
    check_json_counts(r.out,
                      {{"ok", 400}, {"hits", 300}, {"misses", 100}, {"wrong", 0}, {"errors", 0}});
    if (ab == "0") {
      CHECK(json_int(r.out, "wire_batches") == 0);
    } else {
      // A get with nothing else outstanding to its node goes alone; the others are batched.
      auto batched = json_int(r.out, "batched_gets");
      CHECK(batched > 0);
      CHECK(batched <= 400);
      CHECK(json_int(r.out, "wire_batches") < batched); // some gets did share a message
      CHECK(json_int(r.out, "wire_batches") * std::stoll(ab) >= batched); // none beyond the cap
    }
  }
}

TEST_CASE("concurrent get_many requests share wire messages and each gets its own keys' values",
          "[tools][process][autobatch]") {
  node_fixture f;
  REQUIRE(f.start());
  REQUIRE(f.preload("mb-").rc == 0);
  // 20 client actors x 2 get_many of 10 keys in flight: 400 keys outstanding at a time.
  auto r =
    run(f.client("load --verify --get-ratio=1 --keys=400 --requests=2000 --batch=10 "
                 "--clients=20 --window=2 --key-prefix=mb- --json --auto-batch=64"));
  CHECK(r.rc == 0);
  check_json_counts(r.out, {{"ok", 2000}, {"keys", 20000}, {"wrong", 0}, {"errors", 0}});
  CHECK(json_int(r.out, "hits") + json_int(r.out, "misses") == 20000);
  CHECK(json_int(r.out, "hits") > 0);
  auto batched = json_int(r.out, "batched_gets");
  CHECK(batched > 0);
  CHECK(json_int(r.out, "wire_batches") * 10 < batched); // get_many requests were merged
}

TEST_CASE("a key the node refuses fails only its own request, not the batch it rode in",
          "[tools][process][autobatch]") {
  node_fixture f;
  REQUIRE(f.start());
  // With a 511-byte prefix, keys 0..9 are 512 bytes (allowed by the default
  // cache.max-key-bytes=512) and keys 10..99 are 513 (refused): every batch mixes both.
  std::string prefix(511, 'p');
  for (std::string ab : {"64", "0"}) {
    INFO("--auto-batch=" << ab);
    auto r =
      run(f.client("load --sequential --get-ratio=1 --keys=100 --requests=100 "
                   "--clients=1 --window=100 --json --key-prefix="
                   + prefix + " --auto-batch=" + ab));
    CHECK(r.rc == 2);
    // No retries: the node's verdict is final.
    check_json_counts(
      r.out, {{"requests", 100}, {"ok", 10}, {"misses", 10}, {"errors", 90}, {"retries", 0}});
  }
}

TEST_CASE("auto-batched gets to a node that dies fail fast instead of waiting for timeouts",
          "[tools][process][autobatch]") {
  node_fixture f;
  REQUIRE(f.start());
  // More requests than finish before the kill; the ones after it fail at once (no node).
  // Without fail-fast, the gets in flight at the kill would wait for the 3 s timeout (twice,
  // with the retry), so the slowest request shows whether they did.
  // The run's own bound lies past the 60 s checked below, so that check decides, not the kill.
  shell_result r;
  std::thread load([&] {
    r = run(program_path("actorcache-client") + " " + f.addr
            + " --timeout=3 load --get-ratio=1 --keys=1000 --requests=2000000 --clients=8"
              " --window=8 --auto-batch=64 --json", 90s);
  });
  // Connected and under way: the node has answered a few thousand of its gets (a wait on that,
  // not on a fixed time, so a slow start cannot kill the node before the load reached it).
  auto answered = [&] {
    auto s = run(f.console("stats --json"), 10s);
    return json_int(s.out, "hits") + json_int(s.out, "misses");
  };
  bool under_way = ac::test::wait_until([&] { return answered() >= 2000; }, 30s, 100ms);
  auto killed = std::chrono::steady_clock::now();
  f.node.kill();
  load.join(); // before any REQUIRE: a joinable thread must not be destroyed
  REQUIRE(under_way);
  CHECK(std::chrono::steady_clock::now() - killed < 60s);
  CHECK(r.rc == 2);
  CHECK(json_int(r.out, "ok") > 0); // it did run before the kill
  CHECK(json_int(r.out, "errors") > 0);
  CHECK(json_int(r.out, "requests") == 2000000);
  CHECK(json_int(r.out, "max_us") >= 0);
  CHECK(json_int(r.out, "max_us") < 2500000);
}
