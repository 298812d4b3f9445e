"""Cache against a two-node cluster: routing, every method, tensors, errors, leases across processes."""
from __future__ import annotations

import contextlib
import multiprocessing as mp
import time
from pathlib import Path
from typing import Iterator, List

import numpy as np
import pytest
import redis

from actorcache import (Cache, CacheError, ComputeFailed, EmptyKey, KeyTooLong, Overloaded, ValueTooLarge,
                        feature_key)
import workers

DTYPES = ["float32", "float64", "int32", "int64", "uint8", "bool", "int8", "int16", "uint16",
          "uint32", "uint64", "float16"]


def test_every_member_is_listed_alive_with_its_resp_address(cluster) -> None:
    members = Cache(cluster.addresses[:1], socket_timeout=5).members()
    assert sorted((m.id, m.resp_address, m.state) for m in members) == \
        sorted((n.name, n.address, "alive") for n in cluster.nodes)


def test_the_clients_ring_names_the_same_owner_as_the_nodes_for_10000_keys(cluster) -> None:
    cache = Cache(cluster.addresses, socket_timeout=10)
    keys = [f"owner:{i}" for i in range(10000)]
    pipe = redis.Redis(port=cluster.nodes[0].resp_port, socket_timeout=30).pipeline(transaction=False)
    for k in keys:  # one pipeline of 10,000 commands (several reads on the node's side)
        pipe.execute_command("AC.OWNER", k)
    said = [o.decode() for o in pipe.execute()]
    computed = [cache.owner_by_ring(k) for k in keys]
    assert said == computed
    assert len(set(said)) == 2  # both nodes own keys


@pytest.mark.parametrize("dtype", DTYPES)
def test_a_tensor_set_through_one_node_comes_back_from_the_other_with_dtype_and_shape(cluster, dtype: str) -> None:
    a = (np.random.default_rng(1).random((10, 50, 60)) * 100).astype(dtype)
    Cache([cluster.nodes[0].address]).set(f"t:{dtype}", a, ttl=60)
    b = Cache([cluster.nodes[1].address]).get(f"t:{dtype}")
    assert isinstance(b, np.ndarray) and b.dtype == a.dtype and b.shape == a.shape
    assert np.array_equal(a, b, equal_nan=a.dtype.kind == "f")


@pytest.mark.parametrize("shape", [(7,), (1, 1), (3, 0), (2, 3, 4, 5)])
def test_tensors_of_any_rank_keep_their_shape(cluster, shape: tuple) -> None:
    a = np.arange(int(np.prod(shape)), dtype=np.int32).reshape(shape)
    c = Cache(cluster.addresses)
    c.set(f"shape:{shape}", a)
    b = c.get(f"shape:{shape}")
    assert b.shape == shape and b.dtype == np.int32 and np.array_equal(a, b)


def test_bytes_and_str_are_stored_as_bytes_unchanged(cluster) -> None:
    with Cache(cluster.addresses) as c:
        c.set("b:raw", b"\x00raw\r\n\xff")
        c.set("b:text", "héllo")
        assert c.get("b:raw") == b"\x00raw\r\n\xff" and c.get("b:text") == "héllo".encode()
        c.set(b"b:bytes-key", bytearray(b"ba"))
        assert c.get(b"b:bytes-key") == b"ba"


def test_get_many_answers_in_the_order_asked_across_owners_with_tensors_and_bytes(cluster) -> None:
    c = Cache(cluster.addresses)
    keys: List[str] = []
    expected: list = []
    for i in range(120):
        key = f"many:{i}"
        if i % 3 == 0:
            v: object = np.full((2, 3), i, dtype=np.float64)
        elif i % 3 == 1:
            v = f"v{i}".encode()
        else:
            v = None
        if v is not None:
            c.set(key, v, ttl=60)
        keys.append(key)
        expected.append(v)
    got = c.get_many(keys)
    assert len(got) == len(keys)
    for k, e, g in zip(keys, expected, got):
        if isinstance(e, np.ndarray):
            assert isinstance(g, np.ndarray) and g.dtype == e.dtype and np.array_equal(e, g), k
        else:
            assert g == e, k
    owners = {c.owner_by_ring(k) for k in keys}
    assert len(owners) == 2


def test_delete_says_whether_the_key_was_there(cluster) -> None:
    c = Cache(cluster.addresses)
    c.set("del:1", np.ones(3))
    assert c.delete("del:1") is True
    assert c.get("del:1") is None
    assert c.delete("del:1") is False


def test_a_ttl_expires_values_and_tensors(cluster) -> None:
    c = Cache(cluster.addresses)
    c.set("ttl:b", b"v", ttl=1)
    c.set("ttl:t", np.ones(2), ttl=1)
    assert isinstance(c.get("ttl:t"), np.ndarray)

    def both_gone() -> bool:
        return all(v is None for v in c.get_many(["ttl:b", "ttl:t"]))
    deadline = time.monotonic() + 6
    while time.monotonic() < deadline and not both_gone():
        time.sleep(0.1)
    assert both_gone()


def test_bad_keys_and_values_raise_with_the_nodes_reason_never_none(cluster) -> None:
    c = Cache(cluster.addresses)
    with pytest.raises(EmptyKey):
        c.get("")
    with pytest.raises(KeyTooLong) as e:
        c.set("k" * 600, b"v")
    assert e.value.reason
    with pytest.raises(ValueTooLarge):
        c.set("big", b"x" * ((1 << 20) + 10))  # the node's VALUETOOLARGE
    with pytest.raises(ValueTooLarge):
        c.set("big", b"x" * (2 << 20))  # cut off by the node's reader (a protocol error)
    with pytest.raises(ValueTooLarge):
        c.get_or_compute("big:goc", lambda: b"x" * (2 << 20))
    assert c.get_or_compute("big:goc", lambda: b"fits") == b"fits"  # the lease was abandoned
    with pytest.raises(ValueTooLarge):
        c.set("bigt", np.zeros(300_000, np.float64))


def test_get_or_compute_computes_once_then_serves_the_stored_value(cluster) -> None:
    c = Cache(cluster.addresses)
    calls = []
    x = np.random.default_rng(5).random((10, 50, 60), dtype=np.float32)
    key = feature_key(x, fused_feature_dim=8)

    def compute() -> np.ndarray:
        calls.append(1)
        return x.mean(axis=0)
    first = c.get_or_compute(key, compute, ttl=60)
    second = c.get_or_compute(key, compute, ttl=60)
    assert len(calls) == 1
    assert second.dtype == np.float32 and second.shape == (50, 60) and np.array_equal(first, second)
    assert np.array_equal(c.get(key), first)


def test_get_or_compute_of_bytes_and_str_returns_bytes(cluster) -> None:
    c = Cache(cluster.addresses)
    assert c.get_or_compute("goc:str", lambda: "text") == b"text"
    assert c.get_or_compute("goc:str", lambda: "other") == b"text"


def test_an_exception_in_compute_abandons_the_lease_and_is_raised(cluster) -> None:
    c = Cache(cluster.addresses)

    def boom() -> bytes:
        raise RuntimeError("feature extraction failed")
    with pytest.raises(RuntimeError, match="feature extraction failed"):
        c.get_or_compute("goc:boom", boom, lease_ms=30000)
    start = time.monotonic()
    assert c.get_or_compute("goc:boom", lambda: b"second try", lease_ms=30000) == b"second try"
    assert time.monotonic() - start < 5  # the abandoned lease did not have to run out


def test_a_numpy_scalar_is_stored_and_read_back_as_a_0d_array(cluster) -> None:
    c = Cache(cluster.addresses)
    c.set("scalar:set", np.float32(1.5))
    got = c.get("scalar:set")
    assert isinstance(got, np.ndarray) and got.shape == () and got.dtype == np.float32
    assert got == np.float32(1.5)
    mine = c.get_or_compute("scalar:goc", lambda: np.arange(10, dtype=np.float64).mean())
    theirs = Cache(cluster.addresses).get("scalar:goc")
    for a in (mine, theirs):
        assert isinstance(a, np.ndarray) and a.shape == () and a.dtype == np.float64 and a == 4.5


def test_a_compute_result_that_cannot_be_cached_abandons_and_raises(cluster) -> None:
    c = Cache(cluster.addresses)
    with pytest.raises(TypeError):
        c.get_or_compute("goc:badtype", lambda: {"not": "cacheable"})
    assert c.get_or_compute("goc:badtype", lambda: b"ok") == b"ok"


def _run_procs(procs: list, timeout: float) -> None:
    for p in procs:
        p.start()
    deadline = time.monotonic() + timeout
    for p in procs:
        p.join(max(0.1, deadline - time.monotonic()))
    for p in procs:
        if p.is_alive():
            p.kill()
            p.join(5)


def test_get_or_compute_from_16_processes_over_2_nodes_computes_once(cluster, tmp_path: Path) -> None:
    log = str(tmp_path / "computes.log")
    ctx = mp.get_context("fork")
    procs = [ctx.Process(target=workers.compute_once_worker,
                         args=(cluster.nodes[i % 2].address, "goc:16", log, 1.0)) for i in range(16)]
    _run_procs(procs, 60)
    assert [p.exitcode for p in procs] == [0] * 16
    assert len(Path(log).read_text().split()) == 1


def _wait_for_file(path: str, timeout: float = 20) -> bool:
    """Polls until `path` exists (a worker writes it when it got that far), at most `timeout` s."""
    deadline = time.monotonic() + timeout
    while not Path(path).exists() and time.monotonic() < deadline:
        time.sleep(0.02)
    return Path(path).exists()


@contextlib.contextmanager
def _lease_holder(address: str, key: str, tmp_path: Path, lease_ms: int) -> Iterator[mp.Process]:
    """A process holding `key`'s lease at `address` (workers.holder_worker, computing for ever),
    yielded once it holds it; killed at the end if the test did not kill it."""
    started = str(tmp_path / "started.log")
    holder = mp.get_context("fork").Process(target=workers.holder_worker,
                                            args=(address, key, started, lease_ms))
    holder.start()
    try:
        assert _wait_for_file(started), "the holder never got the lease"
        yield holder
    finally:
        if holder.is_alive():
            holder.kill()
        holder.join(5)


def test_a_holder_killed_mid_compute_hands_the_lease_to_a_waiter(cluster, tmp_path: Path) -> None:
    lease_ms = 3000
    with _lease_holder(cluster.nodes[0].address, "goc:killed", tmp_path, lease_ms) as holder:
        c = Cache([cluster.nodes[1].address], socket_timeout=10)
        t0 = time.monotonic()
        holder.kill()
        value = c.get_or_compute("goc:killed", lambda: b"from the waiter", lease_ms=lease_ms)
        assert value == b"from the waiter"
        assert time.monotonic() - t0 < lease_ms / 1000 + 5


def test_a_waiter_receives_the_holders_value_while_it_waits(cluster, tmp_path: Path) -> None:
    log = str(tmp_path / "computes.log")
    ctx = mp.get_context("fork")
    first = ctx.Process(target=workers.compute_once_worker, args=(cluster.nodes[0].address, "goc:wait", log, 1.5))
    first.start()
    try:
        _wait_for_file(log)
        v = Cache([cluster.nodes[1].address]).get_or_compute("goc:wait", lambda: b"must not run")
        assert isinstance(v, np.ndarray) and float(v[0, 0]) == 3.5
    finally:
        first.join(30)
    assert first.exitcode == 0 and len(Path(log).read_text().split()) == 1


def test_errors_are_exceptions_of_one_base_class(cluster) -> None:
    assert issubclass(ComputeFailed, CacheError) and issubclass(KeyTooLong, CacheError)


def test_a_killed_holders_lease_passes_on_when_its_connection_closes_not_after_lease_ms(cluster, tmp_path: Path) -> None:
    lease_ms = 30000
    with _lease_holder(cluster.nodes[1].address, "goc:closed", tmp_path, lease_ms) as holder:
        t0 = time.monotonic()
        holder.kill()
        got = Cache([cluster.nodes[0].address]).get_or_compute("goc:closed", lambda: b"mine", lease_ms=lease_ms)
        assert got == b"mine" and time.monotonic() - t0 < 10


def test_a_holder_whose_lease_ran_out_keeps_its_value_when_the_fill_is_stale(cluster) -> None:
    import threading
    slow = Cache(cluster.addresses)
    results: dict = {}
    computing = threading.Event()

    def slow_holder() -> None:
        def compute() -> bytes:
            computing.set()
            time.sleep(1.5)  # longer than its 300 ms lease: the waiter inherits it
            return b"late"
        results["slow"] = slow.get_or_compute("goc:stale", compute, lease_ms=300)
    t = threading.Thread(target=slow_holder)
    t.start()
    assert computing.wait(10)
    results["fast"] = Cache(cluster.addresses).get_or_compute("goc:stale", lambda: b"inherited", lease_ms=5000)
    t.join(20)
    assert results == {"slow": b"late", "fast": b"inherited"}
    assert Cache(cluster.addresses).get("goc:stale") == b"inherited"


def test_a_value_over_the_nodes_bulk_limit_raises_value_too_large_at_once_and_the_node_stays_usable(cluster) -> None:
    c = Cache(cluster.addresses)
    big = np.zeros(10 * 1024 * 1024 // 8)  # 10 MiB: more than the node reads as one bulk
    t0 = time.monotonic()
    with pytest.raises(ValueTooLarge):
        c.set("huge", big)
    assert time.monotonic() - t0 < 1.0
    computed = []
    t0 = time.monotonic()
    with pytest.raises(ValueTooLarge):
        c.get_or_compute("huge:goc", lambda: (computed.append(1), big)[1])
    assert time.monotonic() - t0 < 1.0 and computed == [1]
    assert not c._routing._down_until  # no member was taken for dead
    c.set("huge:after", np.ones(4))
    assert np.array_equal(c.get("huge:after"), np.ones(4))
    t0 = time.monotonic()
    assert c.get_or_compute("huge:goc", lambda: b"fits") == b"fits"  # the lease was abandoned
    assert time.monotonic() - t0 < 1.0
    assert c.get_or_compute("huge:other", lambda: b"other") == b"other"
    with pytest.raises(ValueTooLarge):
        c.set("huge:bytes", b"x" * ((8 << 20) + 1))


def test_a_pool_full_of_held_leases_raises_overloaded_at_once_and_frees_with_the_fill(cluster) -> None:
    import threading
    c = Cache(cluster.addresses, max_connections=1)
    k1 = "pool:held"
    owner = c.owner_by_ring(k1)
    k2 = next(k for k in (f"pool:other:{i}" for i in range(1000)) if c.owner_by_ring(k) == owner)
    computing, release = threading.Event(), threading.Event()
    results: list = []

    def slow() -> bytes:
        computing.set()
        release.wait(10)
        return b"one"
    t = threading.Thread(target=lambda: results.append(c.get_or_compute(k1, slow, ttl=30)))
    t.start()
    try:
        assert computing.wait(10)
        t0 = time.monotonic()
        with pytest.raises(Overloaded):  # the one connection holds k1's lease
            c.get_or_compute(k2, lambda: b"two", ttl=30)
        assert time.monotonic() - t0 < 1
    finally:
        release.set()
        t.join(10)
    assert results == [b"one"]
    assert c.get_or_compute(k2, lambda: b"two", ttl=30) == b"two"  # the fill gave it back
