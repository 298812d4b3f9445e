"""A node answers the Redis commands it implements as redis-server does.

A differential test: each script runs on a real redis-server and on a node (standalone, its
own L1), from a fresh database, and the replies (errors as their text) must be equal. Where a
node differs by design, the script is in DIFFERENT with the node's own replies and the reason.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Iterator, List, Tuple

import pytest
import redis

from procs import Node, Redis

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
