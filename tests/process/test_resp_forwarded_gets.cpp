// A pipeline of GETs through a node that owns few of its keys: the others go to their owner as
// one message per owner, in order with the connection's writes (real nodes, redis-py).
#include <catch2/catch.hpp>

#include <future>
#include <memory>
#include <utility>

#include "tests/support/node_group.hpp"
#include "tests/support/node_process.hpp"
#include "tests/support/ring_keys.hpp"
#include "tests/support/tool_run.hpp"

using namespace ac::test;

TEST_CASE(
  "Pipelined GETs for another node's keys reach it as a few messages, in order with "
  "the connection's writes",
  "[resp][python]") {
  node_group g{"ac-resp-fwd"};
  auto& a = g.add("a");
  // resp.max-keys=64 on b: its held GETs leave in messages of at most 64 keys.
  auto& b = g.add("b", {"--resp.max-keys=64"});
  auto& dir = g.dir;
  const char* script = R"PY(
import json, subprocess, sys, time, redis
console, a_node, pa, pb = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
ra, rb = redis.Redis(port=pa, socket_timeout=10), redis.Redis(port=pb, socket_timeout=10)
deadline = time.time() + 15
while time.time() < deadline and any(len(r.execute_command("AC.MEMBERS")) != 2 for r in (ra, rb)):
    time.sleep(0.1)
assert all(len(r.execute_command("AC.MEMBERS")) == 2 for r in (ra, rb)), "members did not converge"
keys = [f"k{i}" for i in range(1000)]
p = rb.pipeline(transaction=False)
for k in keys:
    p.set(k, k.encode() + b"-v\x00\r\n")
assert all(p.execute())

def front_handled():
    doc = json.loads(subprocess.run([console, "--node=" + a_node, "stats", "--json"], check=True,
                                    capture_output=True, timeout=20).stdout)
    return sum(row["handled"] for row in doc["actors"] if row["kind"] == "front")

before = front_handled()
p = rb.pipeline(transaction=False)
for k in keys:
    p.get(k)
got = p.execute()
after = front_handled()
assert got == [k.encode() + b"-v\x00\r\n" for k in keys], "values differ or out of order"
# About half the keys are a's (500 GETs forwarded); one pipeline is a few reads of the socket,
# so a few routed get_many messages of at most 64 keys (b's resp.max-keys), not one per GET.
print("front messages for the pipeline:", after - before, file=sys.stderr)
assert after - before < 100, f"a's front handled {after - before} messages for 1000 GETs"

# A write behind a held GET must not overtake it, nor a read behind a write see the old value
# (half of these keys are a's: their GETs are held, their SET and DEL are not).
p = rb.pipeline(transaction=False)
for k in keys[:50]:
    p.get(k).set(k, b"new-" + k.encode()).get(k).delete(k).get(k)
replies = p.execute()
for i, k in enumerate(keys[:50]):
    assert replies[5 * i: 5 * i + 5] == [k.encode() + b"-v\x00\r\n", True, b"new-" + k.encode(), 1, None], (k, replies[5 * i: 5 * i + 5])
print("ok")
)PY";
  auto py = run_tool({"/usr/bin/python3", "-c", script, program_path("actorcache-console"),
                      a.address(), std::to_string(a.resp_port()), std::to_string(b.resp_port())},
                     std::chrono::seconds(90), dir.path() + "/py.err");
  INFO(py.out);
  INFO(slurp(dir.path() + "/py.err"));
  CHECK(py.exit_code == 0);
  CHECK(py.out == "ok\n");
}

namespace {

// Nodes a and b (failure timeout 2 s), a computing for `cost` a key it owns whose GET (or an
// MGET of it and one of b's keys) came through b's RESP port: b owes that reply, forwarded to a.
struct forwarded_to_busy_owner {
  explicit forwarded_to_busy_owner(const std::string& cost = "8s", bool mget = false)
    : options{"--loader.kind=synthetic", "--loader.cost=" + cost, "--cluster.failure-timeout=2s"} {
    if (mget)
      command = {"MGET", key, key_owned_by("b", {"a", "b"}, "fwd-local-")};
    start();
  }

  std::vector<std::string> options;
  temp_dir dir{"ac-resp-fwd-down"};
  node_process a{"a", options, dir.path()};
  std::unique_ptr<node_process> b;
  std::string key = key_owned_by("a", {"a", "b"}, "fwd-down-");
  std::vector<std::string> command{"GET", key};
  std::future<tool_result> get;

  void start() {
    REQUIRE(a.start());
    auto seeded = options;
    seeded.push_back(a.seed_option());
    b = std::make_unique<node_process>("b", seeded, dir.path());
    REQUIRE(b->start());
    REQUIRE(wait_until([&] { return alive_members(*b) == 2; }, std::chrono::seconds(15)));
    get = std::async(std::launch::async, [this] {
      std::vector<std::string> argv{"redis-cli", "-p", std::to_string(b->resp_port())};
      argv.insert(argv.end(), command.begin(), command.end());
      return run_tool(argv, std::chrono::seconds(30));
    });
    auto computing = [&] {
      return a.console({"stats", "--json"}).out.find("\"busy\":1") != std::string::npos;
    };
    REQUIRE(wait_until(computing, std::chrono::seconds(5)));
  }

  static int alive_members(const node_process& n) {
    auto m = n.console({"members", "--json"}).out;
    int alive = 0;
    for (auto at = m.find("\"alive\""); at != std::string::npos; at = m.find("\"alive\"", at + 1))
      ++alive;
    return alive;
  }

  // redis-cli printed the error that tells the caller to ask again.
  static void check_told_owner_went_down(const tool_result& r) {
    INFO(r.out);
    CHECK(r.exit_code == 0);
    CHECK(r.out.rfind("UNAVAILABLE the key's owner went down", 0) == 0);
  }

  // The GET's reply and how long after `since` it came.
  std::pair<tool_result, std::chrono::milliseconds> reply_after(
    std::chrono::steady_clock::time_point since) {
    auto r = get.get();
    return {r, std::chrono::duration_cast<std::chrono::milliseconds>(
                 std::chrono::steady_clock::now() - since)};
  }
};

} // namespace

// Without the watch, each waited out the RESP edge's request timeout (loader + 4 x Redis + node
// timeouts, about 37 s; redis-cli was killed at 20 s, or 30 s).
TEST_CASE(
  "A GET, or an MGET with a key of another owner, is answered UNAVAILABLE as soon as that "
  "owner dies, not at the request timeout",
  "[resp][cluster]") {
  bool mget = GENERATE(false, true);
  INFO((mget ? "MGET" : "GET"));
  forwarded_to_busy_owner f{"8s", mget};
  f.a.kill();
  auto [r, waited] = f.reply_after(std::chrono::steady_clock::now());
  forwarded_to_busy_owner::check_told_owner_went_down(r);
  CHECK(waited < std::chrono::seconds(3)); // the link's drop is its down message
}

TEST_CASE(
  "A GET forwarded to an owner that freezes is answered UNAVAILABLE once the cluster "
  "declares the owner down",
  "[resp][cluster]") {
  forwarded_to_busy_owner f;
  REQUIRE(f.a.freeze()); // the link stands: no down message, only the failure detector
  auto [r, waited] = f.reply_after(std::chrono::steady_clock::now());
  CHECK(f.a.thaw());
  forwarded_to_busy_owner::check_told_owner_went_down(r);
  // Failure timeout 2 s, a heartbeat tick and a 250 ms sweep: well before the compute's 8 s.
  CHECK(waited < std::chrono::seconds(6));
}

TEST_CASE(
  "A GET forwarded to an owner that computes for seconds gets the value: only a node "
  "declared down is given up on",
  "[resp][cluster]") {
  forwarded_to_busy_owner f{"3s"}; // a dozen sweeps while the owner computes
  auto [r, waited] = f.reply_after(std::chrono::steady_clock::now());
  INFO(r.out);
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("UNAVAILABLE") == std::string::npos);
  CHECK(r.out.size() > 10); // the synthetic loader's value
}
