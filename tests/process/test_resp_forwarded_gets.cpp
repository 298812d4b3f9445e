// A pipeline of GETs through a node that owns few of its keys: the others go to their owner as
// one message per owner, in order with the connection's writes (real nodes, redis-py).
#include <catch2/catch.hpp>

#include "tests/support/node_process.hpp"
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
