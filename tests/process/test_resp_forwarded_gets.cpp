// A pipeline of GETs through a node that owns few of its keys: the others go to their owner as
// one message per owner, in order with the connection's writes (real nodes, redis-py).
#include <catch2/catch.hpp>

#include <future>

#include "tests/support/node_process.hpp"
#include "tests/support/ring_keys.hpp"
#include "tests/support/tool_run.hpp"

using namespace ac::test;

TEST_CASE(
  "Pipelined GETs for another node's keys reach it as a few messages, in order with "
  "the connection's writes",
  "[resp][python]") {
  temp_dir dir{"ac-resp-fwd"};
  node_process a("a", {}, dir.path());
  REQUIRE(a.start());
  // resp.max-keys=64 on b: its held GETs leave in messages of at most 64 keys.
  node_process b("b", {a.seed_option(), "--resp.max-keys=64"}, dir.path());
  REQUIRE(b.start());
  REQUIRE((a.resp_port() != 0 && b.resp_port() != 0));
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

TEST_CASE(
  "A GET forwarded to the key's owner is answered UNAVAILABLE as soon as that owner dies, "
  "not at the request timeout",
  "[resp][cluster]") {
  temp_dir dir{"ac-resp-fwd-down"};
  std::vector<std::string> slow{"--loader.kind=synthetic", "--loader.cost=4s"};
  node_process a("a", slow, dir.path());
  REQUIRE(a.start());
  auto seeded = slow;
  seeded.push_back(a.seed_option());
  node_process b("b", seeded, dir.path());
  REQUIRE(b.start());
  REQUIRE(wait_until(
    [&] {
      auto m = b.console({"members", "--json"});
      auto at = m.out.find("\"alive\"");
      return at != std::string::npos && m.out.find("\"alive\"", at + 1) != std::string::npos;
    },
    std::chrono::seconds(15)));
  // A key a owns: b forwards its GET there, where it computes for 4 s.
  auto key = key_owned_by("a", {"a", "b"}, "fwd-down-");
  auto get = std::async(std::launch::async, [&] {
    return run_tool({"redis-cli", "-p", std::to_string(b.resp_port()), "GET", key},
                    std::chrono::seconds(20));
  });
  auto computing = [&] {
    auto s = a.console({"stats", "--json"});
    return s.out.find("\"busy\":1") != std::string::npos;
  };
  REQUIRE(wait_until(computing, std::chrono::seconds(5)));
  a.kill();
  auto killed = std::chrono::steady_clock::now();
  auto r = get.get();
  auto waited = std::chrono::steady_clock::now() - killed;
  INFO(r.out);
  CHECK(r.exit_code == 0);
  CHECK(r.out.rfind("UNAVAILABLE the key's owner went down", 0) == 0);
  // The node's request timeout is 5 s: the answer came from a's going down, well before it.
  CHECK(waited < std::chrono::seconds(3));
}
