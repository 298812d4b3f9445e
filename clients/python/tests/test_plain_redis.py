"""Against a plain redis-server the client works as a Redis cache (bytes values, no AC.* commands)."""
from __future__ import annotations

import asyncio
import time

import pytest

from actorcache import AsyncCache, Cache, RequestError, Unavailable
from procs import Redis, free_port


def test_set_get_get_many_and_delete_work_on_plain_redis(redis_server: Redis) -> None:
    c = Cache([redis_server.address], socket_timeout=2)
    c.set("plain:1", b"\x00raw\r\n")
    c.set("plain:2", "héllo")
    assert c.get("plain:1") == b"\x00raw\r\n"
    assert c.get_many(["plain:2", "plain:none", "plain:1"]) == ["héllo".encode(), None, b"\x00raw\r\n"]
    assert c.delete("plain:1") is True and c.delete("plain:1") is False
    assert c.get("plain:1") is None


def test_a_ttl_expires_the_value(redis_server: Redis) -> None:
    c = Cache([redis_server.address], socket_timeout=2)
    c.set("plain:ttl", b"v", ttl=1)
    deadline = time.monotonic() + 5
    while c.get("plain:ttl") is not None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert c.get("plain:ttl") is None


def test_actorcache_commands_on_plain_redis_raise_rather_than_return_none(redis_server: Redis) -> None:
    with pytest.raises(RequestError):
        Cache([redis_server.address], socket_timeout=2).owner("k")


def test_an_unreachable_address_raises_unavailable_within_the_timeout() -> None:
    start = time.monotonic()
    with pytest.raises(Unavailable):
        Cache([f"127.0.0.1:{free_port()}"], connect_timeout=0.5, socket_timeout=0.5).get("k")
    assert time.monotonic() - start < 5


def test_a_dead_seed_is_skipped_for_a_live_one(redis_server: Redis) -> None:
    c = Cache([f"127.0.0.1:{free_port()}", redis_server.address], connect_timeout=0.5, socket_timeout=2)
    c.set("plain:seed", b"ok")
    assert c.get("plain:seed") == b"ok"


def test_async_cache_sets_gets_and_deletes_on_plain_redis(redis_server: Redis) -> None:
    async def run() -> list:
        async with AsyncCache([redis_server.address], socket_timeout=2) as a:
            await a.set("plain:a", b"v", ttl=10)
            return [await a.get("plain:a"), await a.get_many(["plain:none", "plain:a"]),
                    await a.delete("plain:a"), await a.get("plain:a")]
    assert asyncio.run(asyncio.wait_for(run(), 20)) == [b"v", [None, b"v"], True, None]


def test_a_value_over_max_bulk_bytes_is_stored_on_plain_redis_which_reads_longer_bulks(redis_server: Redis) -> None:
    c = Cache([redis_server.address], socket_timeout=5)
    big = b"x" * ((8 << 20) + 1)
    c.set("plain:big", big)
    assert c.get("plain:big") == big
    assert c.delete("plain:big") is True
