"""A node killed mid-test, a password on the RESP port, and TLS on it."""
from __future__ import annotations

import asyncio
import socket
import subprocess

import numpy as np
import pytest

from actorcache import AsyncCache, AuthError, Cache
from procs import REPO, Node


def test_a_node_killed_mid_test_leaves_every_key_readable_through_the_others(fresh_cluster) -> None:
    fast = ["--cluster.failure-timeout=1s"]
    for name in ("a", "b", "c"):
        fresh_cluster.add(name, fast)
    fresh_cluster.wait_converged()
    cache = Cache(fresh_cluster.addresses, socket_timeout=2, connect_timeout=0.5, failover_window=10)
    keys = [f"fo:{i}" for i in range(60)]
    for i, k in enumerate(keys):
        cache.set(k, np.full(3, i, dtype=np.int64), ttl=120)
    victim = fresh_cluster.nodes[1]
    owned = [k for k in keys if cache.owner_by_ring(k) == victim.address]
    assert owned, "the victim owned none of the keys"
    victim.kill()
    for i, k in enumerate(keys):  # served from L2 by the new owners
        v = cache.get(k)
        assert isinstance(v, np.ndarray) and int(v[0]) == i, k
    cache.set("fo:after", b"written after the kill")
    assert cache.get("fo:after") == b"written after the kill"
    assert all(cache.owner_by_ring(k) != victim.address for k in owned)


@pytest.fixture(scope="module")
def auth_node(tmp_path_factory):
    node = Node(tmp_path_factory.mktemp("auth"), "secure", extra=["--resp.password=s3cret"])
    yield node
    node.kill()


def test_without_the_password_the_node_refuses_with_an_auth_error(auth_node) -> None:
    with pytest.raises(AuthError):
        Cache([auth_node.address], socket_timeout=2).get("k")


def test_a_wrong_password_is_an_auth_error(auth_node) -> None:
    with pytest.raises(AuthError):
        Cache([auth_node.address], password="wrong", socket_timeout=2).set("k", b"v")


def test_the_right_password_opens_every_method(auth_node) -> None:
    c = Cache([auth_node.address], password="s3cret", socket_timeout=2)
    c.set("auth:k", np.ones((2, 2), np.float32))
    assert c.get("auth:k").shape == (2, 2)
    assert c.get_or_compute("auth:goc", lambda: b"v") == b"v"
    assert c.delete("auth:k") is True

    async def main() -> bytes:
        async with AsyncCache([auth_node.address], password="s3cret", socket_timeout=2) as a:
            await a.set("auth:a", b"x")
            return await a.get("auth:a")
    assert asyncio.run(asyncio.wait_for(main(), 20)) == b"x"


@pytest.fixture(scope="module")
def tls_node(tmp_path_factory):
    work = tmp_path_factory.mktemp("tls")
    certs = work / "certs"
    subprocess.run(["bash", str(REPO / "tools" / "gen-dev-certs.sh"), str(certs)], check=True,
                   capture_output=True, timeout=60)
    node = Node(work, "tls", extra=["--tls.enabled", f"--tls.ca-file={certs / 'ca.pem'}",
                                    f"--tls.cert-file={certs / 'node.pem'}",
                                    f"--tls.key-file={certs / 'node-key.pem'}"])
    yield node, certs
    node.kill()


def speaks_plain_resp(port: int) -> bool:
    """Whether the port answers a plaintext PING (a RESP port without TLS)."""
    with socket.create_connection(("127.0.0.1", port), timeout=2) as s:
        s.sendall(b"PING\r\n")
        try:
            return s.recv(16).startswith(b"+PONG")
        except OSError:
            return False


def test_with_tls_the_client_speaks_tls_to_the_resp_port(tls_node) -> None:
    node, certs = tls_node
    if speaks_plain_resp(node.resp_port):
        pytest.xfail("this node's RESP port does not speak TLS yet (tls.enabled covers CAF remoting "
                     "only); the test runs by itself once it does")
    c = Cache([node.address], socket_timeout=5, ssl=True, ssl_ca_certs=str(certs / "ca.pem"),
              ssl_certfile=str(certs / "client.pem"), ssl_keyfile=str(certs / "client-key.pem"))
    c.set("tls:k", np.arange(4, dtype=np.uint8))
    assert np.array_equal(c.get("tls:k"), np.arange(4, dtype=np.uint8))
