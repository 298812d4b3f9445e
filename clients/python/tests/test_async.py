"""AsyncCache on a two-node cluster: the same methods as coroutines."""
from __future__ import annotations

import asyncio
import threading
import time

import numpy as np
import pytest

import redis

from actorcache import AsyncCache, Cache, KeyTooLong, Overloaded, ValueTooLarge


def run(coro, timeout: float = 30):
    return asyncio.run(asyncio.wait_for(coro, timeout))


def test_async_cache_round_trips_tensors_and_bytes_and_deletes(cluster) -> None:
    async def main() -> None:
        async with AsyncCache(cluster.addresses) as c:
            a = np.random.default_rng(2).random((10, 50, 60), dtype=np.float32)
            await c.set("as:t", a, ttl=30)
            await c.set("as:b", b"v")
            t = await c.get("as:t")
            assert t.dtype == np.float32 and t.shape == (10, 50, 60) and np.array_equal(a, t)
            got = await c.get_many(["as:b", "as:none", "as:t"])
            assert got[0] == b"v" and got[1] is None and np.array_equal(got[2], a)
            assert await c.delete("as:b") is True and await c.get("as:b") is None
    run(main())


def test_async_get_or_compute_runs_one_compute_for_many_concurrent_callers(cluster) -> None:
    calls = []

    async def compute() -> np.ndarray:
        calls.append(1)
        await asyncio.sleep(0.5)
        return np.arange(6, dtype=np.int64).reshape(2, 3)

    async def main() -> list:
        caches = [AsyncCache([cluster.nodes[i % 2].address]) for i in range(10)]
        try:
            return await asyncio.gather(*(c.get_or_compute("as:goc", compute, ttl=30) for c in caches))
        finally:
            for c in caches:
                await c.close()
    results = run(main())
    assert len(calls) == 1
    assert all(r.dtype == np.int64 and r.shape == (2, 3) for r in results)


def test_async_errors_carry_the_nodes_reason(cluster) -> None:
    async def main() -> None:
        async with AsyncCache(cluster.addresses) as c:
            try:
                await c.set("k" * 600, b"v")
            except KeyTooLong as e:
                assert e.reason
            else:
                raise AssertionError("a 600-byte key was accepted")
    run(main())


def test_async_owner_and_members_match_the_cluster(cluster) -> None:
    async def main() -> None:
        async with AsyncCache(cluster.addresses) as c:
            assert {m.id for m in await c.members()} == {n.name for n in cluster.nodes}
            assert await c.owner("x") in cluster.addresses
    run(main())


def test_another_tasks_cancelled_wait_does_not_hand_a_held_lease_to_a_waiter(cluster) -> None:
    # Task A holds k1's lease; a caller elsewhere waits for k1. Task B of the same AsyncCache
    # waits for k2 (another process holds its lease) on the same owner and is cancelled. Had A's
    # lease gone back to the pool with its connection, B would take that connection, and its
    # cancellation would close it: the node would pass k1's lease on, and k1 would be computed
    # twice.
    sync = Cache(cluster.addresses)
    k1 = "as:held:1"
    owner = sync.owner_by_ring(k1)
    k2 = next(k for k in (f"as:held:2:{i}" for i in range(1000)) if sync.owner_by_ring(k) == owner)
    host, port = owner.rsplit(":", 1)
    other = redis.Redis(host=host, port=int(port), socket_timeout=10)
    token2 = other.execute_command("AC.GETORLEASE", k2, 30000)[1]
    computes = []
    waiter_result = []

    async def main() -> bytes:
        async with AsyncCache(cluster.addresses) as c:
            async def compute_a() -> bytes:
                computes.append("A")
                await asyncio.sleep(2)
                return b"from A"
            a = asyncio.create_task(c.get_or_compute(k1, compute_a, ttl=30))
            while not computes:
                await asyncio.sleep(0.01)

            def elsewhere() -> None:
                waiter_result.append(Cache(cluster.addresses).get_or_compute(
                    k1, lambda: (computes.append("elsewhere"), b"from elsewhere")[1], ttl=30))
            t = threading.Thread(target=elsewhere)
            t.start()
            await asyncio.sleep(0.3)  # the waiter is in line at the owner
            try:
                await asyncio.wait_for(c.get_or_compute(k2, lambda: b"B", ttl=30), 0.5)
                raise AssertionError("k2's lease is held elsewhere: task B must wait")
            except asyncio.TimeoutError:
                pass
            other.execute_command("AC.FILL", k2, token2, b"v2")
            result = await a
            await asyncio.get_running_loop().run_in_executor(None, t.join, 20)
            return result
    assert run(main()) == b"from A"
    assert computes == ["A"]
    assert waiter_result == [b"from A"]
    other.close()
    sync.close()


def test_async_set_and_get_or_compute_of_a_value_over_the_bulk_limit_raise_value_too_large_at_once(cluster) -> None:
    big = np.zeros(10 * 1024 * 1024 // 8)  # 10 MiB: more than the node reads as one bulk

    async def main() -> None:
        async with AsyncCache(cluster.addresses) as c:
            t0 = time.monotonic()
            with pytest.raises(ValueTooLarge):
                await c.set("as:huge", big)
            with pytest.raises(ValueTooLarge):
                await c.get_or_compute("as:huge:goc", lambda: big)
            assert time.monotonic() - t0 < 1.0 and not c._routing._down_until
            assert await c.get_or_compute("as:huge:goc", lambda: b"fits") == b"fits"  # abandoned
            assert time.monotonic() - t0 < 2.0
    run(main())


def test_an_async_pool_full_of_held_leases_raises_overloaded_at_once_and_frees_with_the_fill(cluster) -> None:
    async def main() -> None:
        async with AsyncCache(cluster.addresses, max_connections=1) as c:
            k1 = "apool:held"
            ring = Cache(cluster.addresses)  # the same ring as c's, read without a round trip
            owner = ring.owner_by_ring(k1)
            k2 = next(k for k in (f"apool:other:{i}" for i in range(1000)) if ring.owner_by_ring(k) == owner)
            computing, release = asyncio.Event(), asyncio.Event()

            async def slow() -> bytes:
                computing.set()
                await asyncio.wait_for(release.wait(), 10)
                return b"one"
            held = asyncio.create_task(c.get_or_compute(k1, slow, ttl=30))
            await asyncio.wait_for(computing.wait(), 10)
            t0 = time.monotonic()
            with pytest.raises(Overloaded):  # the one connection holds k1's lease
                await c.get_or_compute(k2, lambda: b"two", ttl=30)
            assert time.monotonic() - t0 < 1
            release.set()
            assert await held == b"one"
            assert await c.get_or_compute(k2, lambda: b"two", ttl=30) == b"two"  # the fill gave it back
    run(main())
