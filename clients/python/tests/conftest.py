"""Fixtures: a redis-server per session, a two-node cluster per module, processes stopped by PID.

A fixture that cannot start what it needs raises, so the test errors (never skips).
"""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Iterator, List

import pytest
import redis

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the actorcache package

from procs import Node, Redis, wait_until  # noqa: E402


class Cluster:
    """Nodes sharing one Redis; add() joins another node through the first."""

    def __init__(self, workdir: Path, redis_server: Redis) -> None:
        self.workdir = workdir
        self.redis = redis_server
        self.nodes: List[Node] = []

    def add(self, name: str, extra: List[str] = ()) -> Node:
        seeds = self.nodes[:1] or None
        node = Node(self.workdir, name, redis=self.redis, seeds=seeds, extra=list(extra))
        self.nodes.append(node)
        return node

    def wait_converged(self, timeout: float = 20.0) -> None:
        """Until every live node lists every live node as alive (AC.MEMBERS)."""
        live = [n for n in self.nodes if n.popen.poll() is None]
        names = {n.name for n in live}

        def converged() -> bool:
            for n in live:
                try:
                    rows = redis.Redis(port=n.resp_port, socket_timeout=1).execute_command("AC.MEMBERS")
                except redis.RedisError:
                    return False
                alive = {r[0].decode() for r in rows if r[3] == b"alive"}
                if alive != names:
                    return False
            return True
        wait_until(f"members {sorted(names)} to see each other", converged, timeout)

    @property
    def addresses(self) -> List[str]:
        return [n.address for n in self.nodes if n.popen.poll() is None]

    def stop(self) -> None:
        for n in self.nodes:
            n.kill()


@pytest.fixture(scope="session")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("actorcache")


@pytest.fixture(scope="session")
def redis_server(workdir: Path) -> Iterator[Redis]:
    r = Redis(workdir)
    yield r
    r.stop()


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory, redis_server: Redis) -> Iterator[Cluster]:
    """Two nodes, a and b, sharing redis_server as L2."""
    c = Cluster(tmp_path_factory.mktemp("cluster"), redis_server)
    try:
        c.add("a")
        c.add("b")
        c.wait_converged()
        yield c
    finally:
        c.stop()


@pytest.fixture()
def fresh_cluster(tmp_path_factory: pytest.TempPathFactory, redis_server: Redis) -> Iterator[Cluster]:
    """A cluster of its own for tests that kill nodes (the test adds the nodes)."""
    c = Cluster(tmp_path_factory.mktemp("fresh"), redis_server)
    try:
        yield c
    finally:
        c.stop()
