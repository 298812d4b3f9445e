"""AsyncCache on a two-node cluster: the same methods as coroutines."""
from __future__ import annotations

import asyncio

import numpy as np

from actorcache import AsyncCache, KeyTooLong


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
