"""A node answers the Redis commands it implements as redis-server does.

A differential test: each script runs on a real redis-server and on a node (standalone, its
own L1), from a fresh database, and the replies (errors as their text) must be equal. Where a
node differs by design, the script is in DIFFERENT with the node's own replies and the reason.

One file of ~470 lines on purpose: the scripts, the random pipelines and the restart and
two-node variants share one comparison (assert_same_replies) and one command generator.
"""
from __future__ import annotations

import random
import time
from pathlib import Path
from typing import Any, Iterator, List, Tuple

import pytest
import redis

from procs import Node, Redis, wait_until

Command = Tuple[str, ...]

SAME: List[List[Command]] = [
    # SET's options, as Redis 7 reads them
    [("SET", "k", "v", "NX", "NX"), ("GET", "k")],
    [("SET", "k", "v", "XX", "XX"), ("GET", "k")],
    [("SET", "k", "v", "NX", "XX")],
    [("SET", "k", "v", "EX", "10", "EX", "10"), ("TTL", "k")],
    [("SET", "k", "v", "PX", "100", "PX", "200000"), ("TTL", "k")],
    [("SET", "k", "v", "EX", "10", "PX", "100")],
    [("SET", "k", "v", "EX", "10", "EXAT", "9999999999")],
    [("SET", "k", "v", "EX", "0")],
    [("SET", "k", "v", "EX", "-1")],
    [("SET", "k", "v", "EX", "abc")],
    [("SET", "k", "v", "PX", "1.5")],
    [("SET", "k", "v", "EX")],
    [("SET", "k", "v", "FOO")],
    [("SET", "k", "v", "ex", "10"), ("TTL", "k")],
    [("SET", "k", "v", "NX"), ("SET", "k", "w", "NX"), ("GET", "k")],
    [("SET", "k", "v", "XX"), ("GET", "k")],
    [("SET", "k", "v", "NX", "EX", "100"), ("TTL", "k")],
    [("SET", "k", "v", "EXAT", "1"), ("EXISTS", "k")],
    [("SET", "k", "v"), ("SET", "k", "w", "PXAT", "1"), ("GET", "k")],
    [("SET", "k", "v", "EXAT", "0")],
    [("SETEX", "k", "0", "v")],
    [("SETEX", "k", "-5", "v")],
    [("SETEX", "k", "10", "v"), ("TTL", "k"), ("GET", "k")],
    # several keys
    [("MSET", "a", "1", "b")],
    [("MSET", "a", "1", "b", "2"), ("MGET", "a", "b", "c")],
    [("DEL",)],
    [("DEL", "a", "b", "a")],
    [("MSET", "a", "1", "b", "2"), ("DEL", "a", "b", "a"), ("MGET", "a", "b")],
    [("MSET", "a", "1"), ("EXISTS", "a", "a", "b")],
    [("SET", "k", "v"), ("UNLINK", "k", "k"), ("EXISTS", "k")],
    [("MSET", "a", "1", "b", "2"), ("DBSIZE",), ("FLUSHDB",), ("DBSIZE",)],
    [("FLUSHDB", "ASYNC")],
    [("FLUSHDB", "SYNC")],
    # lifetimes
    [("TTL", "nope")],
    [("PTTL", "nope")],
    [("EXPIRE", "nope", "10")],
    [("SET", "k", "v", "EX", "50"), ("EXPIRE", "k", "100", "GT"), ("TTL", "k")],
    [("SET", "k", "v", "EX", "50"), ("EXPIRE", "k", "10", "LT"), ("TTL", "k")],
    [("SET", "k", "v", "EX", "50"), ("EXPIRE", "k", "10", "GT"), ("TTL", "k")],
    [("SET", "k", "v", "EX", "10"), ("EXPIRE", "k", "100", "XX", "LT"), ("TTL", "k")],
    [("SET", "k", "v", "EX", "10"), ("EXPIRE", "k", "5", "XX", "LT"), ("TTL", "k")],
    [("SET", "k", "v", "EX", "10"), ("EXPIRE", "k", "100", "XX", "GT"), ("TTL", "k")],
    [("SET", "k", "v", "EX", "10"), ("EXPIRE", "k", "100", "GT", "GT"), ("TTL", "k")],
    [("SET", "k", "v"), ("EXPIRE", "k", "100", "NX", "XX")],
    [("SET", "k", "v"), ("EXPIRE", "k", "100", "GT", "LT")],
    [("SET", "k", "v"), ("EXPIRE", "k", "100", "FOO")],
    [("SET", "k", "v"), ("EXPIRE", "k", "abc")],
    [("SET", "k", "v"), ("EXPIRE", "k", "0"), ("GET", "k")],
    [("SET", "k", "v"), ("EXPIRE", "k", "-1"), ("EXISTS", "k")],
    [("SET", "k", "v"), ("PEXPIRE", "k", "-5"), ("EXISTS", "k")],
    # integers as Redis's string2ll reads them: one spelling per number
    [("SET", "k", "v"), ("EXPIRE", "k", "05")],
    [("SET", "k", "v"), ("EXPIRE", "k", "-0")],
    [("SET", "k", "v"), ("EXPIRE", "k", "+5")],
    [("SET", "k", "v"), ("EXPIRE", "k", " 5")],
    # a TTL too long for a 64-bit deadline is an error; a very long one is taken
    [("SET", "k", "v"), ("EXPIRE", "k", "9223372036854775807")],
    [("SET", "k", "v"), ("PEXPIRE", "k", "9223372036854775807")],
    [("SET", "k", "v"), ("EXPIRE", "k", "-9223372036854775807")],
    [("SET", "k", "v"), ("EXPIRE", "k", "9999999999999"), ("EXISTS", "k")],
    [("SET", "k", "v", "EX", "50"), ("EXPIRE", "k", "9999999999999", "GT"), ("EXISTS", "k")],
    # the connection and the rest
    [("GET",)],
    [("GET", "a", "b")],
    [("FOO", "bar")],
    [("PING",)],
    [("PING", "hi")],
    [("PING", "a", "b")],
    [("ECHO", "x")],
    [("SELECT", "0")],
    [("SELECT", "x")],
]

# (script, the node's replies, why it differs from Redis)
DIFFERENT: List[Tuple[List[Command], List[Any], str]] = [
    ([("SET", "k", "v"), ("TTL", "k")], [True, 300],
     "a value stored without a TTL gets cache.default-ttl (300 s): it is a cache"),
    ([("SET", "k", "v"), ("EXPIRE", "k", "100", "NX")], [True, False],
     "so EXPIRE NX finds the default TTL there"),
    ([("SET", "k", "v", "PX", "100"), ("PTTL", "k")], [True, "between 1 and 2000"],
     "L1 keeps whole seconds: a PX below one second lives one to two seconds"),
    ([("SET", "k", "v", "GET")], ["ERR:SET GET is not supported by actorcache (the owner would "
                                  "have to read and write the key in one step)"],
     "GET and KEEPTTL would need the owner to read and write in one step"),
    ([("SET", "k", "v", "KEEPTTL")], ["ERR:SET KEEPTTL is not supported by actorcache (the owner "
                                      "would have to read and write the key in one step)"],
     "as GET"),
    ([("SELECT", "1")], ["ERR:DB index is out of range"], "a node has one database"),
    ([("SET", "", "v")], ["ERR:EMPTYKEY the key is empty"], "an empty key is refused"),
]


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Tuple[redis.Redis, redis.Redis]]:
    workdir: Path = tmp_path_factory.mktemp("compat")
    procs: List[Any] = []
    try:
        procs.append(Redis(workdir))
        procs.append(Node(workdir, "compat"))
        yield (redis.Redis(port=procs[0].port, socket_timeout=5),
               redis.Redis(port=procs[1].resp_port, socket_timeout=5))
    finally:
        for p in reversed(procs):
            p.stop()


def run(conn: redis.Redis, script: List[Command]) -> List[Any]:
    conn.execute_command("FLUSHDB")
    replies = []
    for cmd in script:
        try:
            replies.append(conn.execute_command(*cmd))
        except redis.ResponseError as e:
            replies.append(f"ERR:{e}")
    return replies


@pytest.mark.parametrize("script", SAME, ids=lambda s: " ; ".join(" ".join(c) for c in s))
def test_the_node_answers_as_redis_server_does(servers: Tuple[redis.Redis, redis.Redis],
                                               script: List[Command]) -> None:
    plain, node = servers
    assert run(node, script) == run(plain, script)


@pytest.mark.parametrize("script,expected,why", DIFFERENT, ids=lambda x: str(x)[:60])
def test_where_the_node_differs_by_design_it_answers_as_documented(
        servers: Tuple[redis.Redis, redis.Redis], script: List[Command], expected: List[Any],
        why: str) -> None:
    plain, node = servers
    got = run(node, script)
    assert got != run(plain, script), f"no longer differs from Redis: {why}"
    for g, e in zip(got, expected):
        if e == "between 1 and 2000":
            assert isinstance(g, int) and 1 <= g <= 2000, why
        else:
            assert g == e, why
    assert len(got) == len(expected)


# -- random pipelines, with Redis behind the node ----------------------------------------------

KEYS = [f"k{i}" for i in range(6)]


def random_command(rng: random.Random) -> Command:
    """A command of the node's set on a few keys, with options and bad input among them. No TTL
    reads: L1 keeps whole seconds (DIFFERENT above), so TTL and PTTL may differ by design."""
    k = rng.choice(KEYS)
    value = rng.choice(["a", "bb", "", "x" * rng.randint(1, 40), "12"])
    pick = rng.randint(0, 9)
    if pick == 0:
        return ("GET", k)
    if pick == 1:
        return ("MGET", *rng.sample(KEYS, rng.randint(1, 4)))
    if pick == 2:
        options = rng.choice([(), (), ("EX", "100"), ("PX", "200000"), ("NX",), ("XX",),
                              ("NX", "XX"), ("EX", "0")])
        return ("SET", k, value, *options)
    if pick == 3:
        return ("SETEX", k, rng.choice(["50", "0", "-3"]), value)
    if pick == 4:
        pairs = [x for key in rng.sample(KEYS, rng.randint(1, 3)) for x in (key, value)]
        return ("MSET", *pairs)
    if pick == 5:
        return (rng.choice(["DEL", "UNLINK"]), *rng.sample(KEYS, rng.randint(1, 3)))
    if pick == 6:
        return ("EXISTS", *[rng.choice(KEYS) for _ in range(rng.randint(1, 4))])
    if pick == 7:
        return ("EXPIRE", k, rng.choice(["0", "-5", "100", "200000", "abc"]),
                *rng.choice([(), ("NX",), ("XX",), ("NX", "XX")]))
    if pick == 8:
        return ("DBSIZE",)
    return ("GET", k, k)  # a wrong number of arguments


def run_pipeline(conn: redis.Redis, script: List[Command]) -> List[Any]:
    pipe = conn.pipeline(transaction=False)
    for cmd in script:
        pipe.execute_command(*cmd)
    return [f"ERR:{r}" if isinstance(r, redis.ResponseError) else r
            for r in pipe.execute(raise_on_error=False)]


def assert_same_replies(plain: redis.Redis, node: redis.Redis, script: List[Command],
                        batch: int) -> None:
    """The script as one pipeline on both: every reply equal (errors: both errors)."""
    expected, got = run_pipeline(plain, script), run_pipeline(node, script)
    for i, (e, g) in enumerate(zip(expected, got)):
        both_errors = isinstance(e, str) and isinstance(g, str) and e.startswith("ERR:") \
            and g.startswith("ERR:")
        assert both_errors or e == g, f"batch {batch}, command {i}: {script[i]}; before it: " \
            f"{script[:i]}"


@pytest.fixture(scope="module")
def over_redis(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Tuple[redis.Redis, redis.Redis]]:
    """redis-server, and a node over another one as L2 (sync writes), values kept without a TTL
    as Redis keeps them."""
    workdir: Path = tmp_path_factory.mktemp("compat-l2")
    procs: List[Any] = []
    try:
        procs.append(Redis(workdir))
        procs.append(Redis(workdir))
        procs.append(Node(workdir, "compat-l2", redis=procs[1], extra=["--cache.default-ttl=0s"]))
        yield (redis.Redis(port=procs[0].port, socket_timeout=5),
               redis.Redis(port=procs[2].resp_port, socket_timeout=5))
    finally:
        for p in reversed(procs):
            p.stop()


@pytest.mark.parametrize("seed", range(4))
def test_random_pipelines_over_redis_answer_as_redis_server_does(
        over_redis: Tuple[redis.Redis, redis.Redis], seed: int) -> None:
    """Each command sees exactly the ones before it on the connection, though a node's reads and
    writes take different ways to Redis: a GET that misses L1 answered the value of a SET behind
    it, and DBSIZE missed the writes before it that were still out at Redis."""
    plain, node = over_redis
    rng = random.Random(seed)
    plain.flushdb()
    node.delete(*KEYS)
    for batch in range(60):
        script = [random_command(rng) for _ in range(20)]
        assert_same_replies(plain, node, script, batch)


@pytest.fixture()
def l2_only(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Tuple[Redis, Path]]:
    """A redis-server to serve as L2, and a folder for the nodes a test starts over it."""
    workdir: Path = tmp_path_factory.mktemp("l2-judge")
    server = Redis(workdir)
    try:
        yield server, workdir
    finally:
        server.stop()


def node_over(l2: Redis, workdir: Path, name: str) -> Node:
    # No warming: the point is a node whose L1 lacks what Redis holds.
    return Node(workdir, name, redis=l2, extra=["--warming.enabled=false"])


def test_keys_l1_lacks_are_judged_by_what_redis_holds(l2_only: Tuple[Redis, Path]) -> None:
    """After a restart (or an eviction) L1 lacks keys Redis still holds: SET NX must not take a
    lock another client holds, XX must find the key, and EXISTS, TTL, EXPIRE and DEL's count
    must see it, as GET does. They were judged on L1 alone: `SET lock b NX` answered OK over a
    held lock."""
    l2, workdir = l2_only
    first = node_over(l2, workdir, "first")
    try:
        c = redis.Redis(port=first.resp_port, socket_timeout=5)
        assert c.set("lock", "a", nx=True, ex=100)
        for key in ("xx", "there", "lived", "nx-ttl", "ended", "deleted"):
            assert c.set(key, "a", ex=100)
    finally:
        first.stop()
    second = node_over(l2, workdir, "second")
    try:
        c = redis.Redis(port=second.resp_port, socket_timeout=5)
        # Each key's first command after the restart: L1 does not hold it yet.
        assert c.set("lock", "b", nx=True) is None, "a lock Redis holds was taken again"
        assert c.get("lock") == b"a"
        assert c.set("xx", "b", xx=True, ex=200) is True
        assert c.get("xx") == b"b"
        assert c.exists("there", "there", "nothing") == 2
        assert 95_000 <= c.pttl("there") <= 100_000
        assert 95 <= c.ttl("lived") <= 100
        assert c.expire("lived", 5) is True
        assert 4 <= c.ttl("lived") <= 5
        assert c.expire("nx-ttl", 50, nx=True) is False  # it has a TTL, in Redis
        assert c.expire("ended", 0) is True
        assert c.exists("ended") == 0
        assert c.delete("deleted", "never-there") == 1  # DEL counts what Redis held too
        # Keys Redis does not hold either.
        assert c.set("nothing", "b", xx=True) is None
        assert c.exists("nothing") == 0
        assert c.ttl("nothing") == -2
        assert c.expire("nothing", 10) is False
        assert c.set("nothing", "b", nx=True) is True
        assert c.get("nothing") == b"b"
    finally:
        second.stop()
    # What the second node wrote at Redis, a third one finds there.
    third = node_over(l2, workdir, "third")
    try:
        c = redis.Redis(port=third.resp_port, socket_timeout=5)
        assert c.set("xx", "c", nx=True) is None
        assert c.get("xx") == b"b"
        assert 195 <= c.ttl("xx") <= 200
        assert 1 <= c.ttl("lived") <= 5
        assert 95 <= c.ttl("nx-ttl") <= 100
        assert c.get("ended") is None
        assert c.get("deleted") is None
        assert c.get("nothing") == b"b"
    finally:
        third.stop()


# Under l1-when-down a DEL of a key L1 holds is answered before Redis has it; a node stopped
# gracefully finishes such writes first (the test below), so both policies restart here.
@pytest.mark.parametrize("policy,seed", [("sync", 0), ("sync", 1), ("sync", 2),
                                         ("l1-when-down", 0), ("l1-when-down", 1)])
def test_random_pipelines_across_restarts_answer_as_redis_server_does(
        l2_only: Tuple[Redis, Path], policy: str, seed: int) -> None:
    """The random pipelines above, with the node restarted every fourth batch over the same Redis:
    each new node's L1 starts empty while Redis holds the keys, and every answer must be Redis's
    all the same (DBSIZE aside: it counts L1)."""
    l2, workdir = l2_only
    plain_server = Redis(workdir)
    extra = ["--cache.default-ttl=0s", "--warming.enabled=false", f"--redis.write-policy={policy}"]
    node = Node(workdir, "n0", redis=l2, extra=extra)
    try:
        plain = redis.Redis(port=plain_server.port, socket_timeout=5)
        rng = random.Random(seed)
        for batch in range(60):
            if batch % 4 == 3:
                node.stop()
                node = Node(workdir, f"n{batch}", redis=l2, extra=extra)
            conn = redis.Redis(port=node.resp_port, socket_timeout=5)
            script = []
            while len(script) < 15:
                cmd = random_command(rng)
                if cmd[0] != "DBSIZE":
                    script.append(cmd)
            assert_same_replies(plain, conn, script, batch)
    finally:
        node.stop()
        plain_server.stop()


def test_a_node_stopped_right_behind_a_delete_finishes_it_at_redis_first(
        l2_only: Tuple[Redis, Path]) -> None:
    """Under l1-when-down a DEL of a key L1 holds is answered at once, before Redis has it. A node
    stopped (SIGTERM) right behind it must finish that delete at Redis before it exits: else Redis
    keeps the value, and the next node reads the deleted key back."""
    l2, workdir = l2_only
    extra = ["--warming.enabled=false", "--redis.write-policy=l1-when-down"]
    node = Node(workdir, "drain", redis=l2, extra=extra)
    direct = redis.Redis(port=l2.port, socket_timeout=5)
    try:
        c = redis.Redis(port=node.resp_port, socket_timeout=5)
        assert c.set("gone", "v") is True
        assert direct.exists("ac:gone") == 1
        # Redis holds writes back for longer than redis.timeout (200 ms): the node's DEL is out
        # when it is told to stop, then fails, and is remembered to be retried.
        direct.execute_command("CLIENT", "PAUSE", "1000", "WRITE")
        assert c.delete("gone") == 1
        node.stop()
        assert node.popen.returncode == 0
        assert direct.exists("ac:gone") == 0, "the node exited with its delete not done at Redis"
        node = Node(workdir, "drain-again", redis=l2, extra=extra)
        assert redis.Redis(port=node.resp_port, socket_timeout=5).get("gone") is None
    finally:
        direct.execute_command("CLIENT", "UNPAUSE")
        node.stop()


def l2_misses(c: redis.Redis) -> int:
    return int(c.info("stats")["actorcache_l2_misses"])


def test_a_key_redis_lacks_is_answered_from_l1_until_it_is_written(
        l2_only: Tuple[Redis, Path]) -> None:
    """With no loader, every GET of a key nobody wrote went on to Redis (~40 us of the node's CPU
    each). Redis's "not there" is now kept for redis.absent-ttl, and a write ends it at once;
    a write into Redis by someone else is seen once it ends."""
    l2, workdir = l2_only
    node = Node(workdir, "marks", redis=l2, extra=["--redis.absent-ttl=2s"])
    plain = Node(workdir, "no-marks", redis=l2, extra=["--redis.absent-ttl=0s"])
    try:
        c = redis.Redis(port=node.resp_port, socket_timeout=5)
        assert c.get("nobody") is None
        asked = l2_misses(c)
        assert asked >= 1
        for _ in range(20):
            assert c.get("nobody") is None
        assert c.mget("nobody", "nobody") == [None, None]
        assert l2_misses(c) == asked, "misses of a key Redis lacks went on to Redis"
        assert c.set("nobody", "now") is True
        assert c.get("nobody") == b"now"
        assert c.delete("nobody") == 1
        assert c.get("nobody") is None
        # Written into Redis by another node (not a member: it writes the key directly): the
        # mark hides it for at most redis.absent-ttl.
        assert c.get("elsewhere") is None
        other = redis.Redis(port=plain.resp_port, socket_timeout=5)
        assert other.set("elsewhere", "v") is True
        deadline = time.monotonic() + 10
        while c.get("elsewhere") != b"v":
            assert time.monotonic() < deadline, "the mark outlived redis.absent-ttl"
            time.sleep(0.05)
        # Off: each miss asks Redis.
        before = l2_misses(other)
        for _ in range(5):
            assert other.get("still-nobody") is None
        assert l2_misses(other) == before + 5
    finally:
        plain.stop()
        node.stop()


def members_seen(*conns: redis.Redis, count: int) -> bool:
    """Every connection's node sees `count` alive members."""
    try:
        return all(sum(1 for m in c.execute_command("AC.MEMBERS") if m[3] == b"alive") == count
                   for c in conns)
    except redis.RedisError:
        return False


@pytest.mark.parametrize("seed", [1, 2])
def test_random_pipelines_on_two_nodes_across_a_member_restarting_answer_as_redis_does(
        l2_only: Tuple[Redis, Path], seed: int) -> None:
    """The random pipelines through two members in turn, one of them restarted every twentieth
    batch. Deleted keys were read back: the member that stayed kept its entries of the keys it
    owned while the other was away (for the hand-off) and served them again once it owned them
    anew, and it answered the new owner's hand-off asks with them after that owner had deleted
    the key."""
    l2, workdir = l2_only
    plain_server = Redis(workdir)
    extra = ["--cache.default-ttl=0s", "--warming.enabled=false"]
    procs = [Node(workdir, "a", redis=l2, extra=extra)]
    try:
        procs.append(Node(workdir, "b", redis=l2, seeds=[procs[0]], extra=extra))
        plain = redis.Redis(port=plain_server.port, socket_timeout=5)
        conns = [redis.Redis(port=p.resp_port, socket_timeout=5) for p in procs]
        wait_until("both members", lambda: members_seen(*conns, count=2), timeout=20)
        rng = random.Random(seed)
        for batch in range(80):
            if batch % 20 == 19:
                procs[1].stop()
                procs[1] = Node(workdir, f"b{batch}", redis=l2, seeds=[procs[0]], extra=extra)
                conns[1] = redis.Redis(port=procs[1].resp_port, socket_timeout=5)
                wait_until("the restarted member", lambda: members_seen(*conns, count=2),
                           timeout=20)
            script = []
            while len(script) < 12:
                cmd = random_command(rng)
                if cmd[0] != "DBSIZE":
                    script.append(cmd)
            assert_same_replies(plain, conns[batch % 2], script, batch)
    finally:
        for p in reversed(procs):
            p.stop()
        plain_server.stop()
