"""``AsyncCache``: the asyncio twin of ``Cache`` (redis.asyncio), same methods as coroutines.

    cache = AsyncCache(["127.0.0.1:6391"])
    await cache.set("k", array, ttl=60)
    value = await cache.get_or_compute(key, compute)   # compute may be sync or async

Use one AsyncCache per event loop.
"""
from __future__ import annotations

import asyncio
import inspect
import logging
import time
from typing import Any, Awaitable, Callable, Dict, List, Optional, Sequence, Tuple, TypeVar, Union

import redis
import redis.asyncio as aioredis

from . import codec
from .calls import (Commands, Tries, apply_members, bulk_limit, check_bulk_size, failed_fill,
                    get_batch, is_unknown_command, pool_full_as_overloaded)
from .errors import CacheError, RequestError, Unavailable, refused_value
from .options import KeyT, Options, key_bytes
from .routing import Member, Routing, parse_members, split_address

log = logging.getLogger("actorcache")
T = TypeVar("T")


async def resolved(value: Any) -> Any:
    """A compute()'s result: the value it returned, or what the awaitable it returned gives."""
    return await value if inspect.isawaitable(value) else value


async def round_trip(c: aioredis.Redis, commands: Commands) -> List[Any]:
    """As client.round_trip: one command alone, more as one pipeline; errors as replies."""
    if len(commands) == 1:
        try:
            return [await c.execute_command(*commands[0])]
        except redis.ResponseError as e:
            return [e]
    pipe = c.pipeline(transaction=False)
    for command in commands:
        pipe.execute_command(*command)
    return await pipe.execute(raise_on_error=False)


class AsyncHeldLinks:
    """As client.HeldLinks: the connections AC.GETORLEASE went out on, kept out of the pool
    until the lease has ended, so that no other task's cancellation closes one under a lease."""

    def __init__(self) -> None:
        self._held: List[Tuple[aioredis.ConnectionPool, aioredis.Connection]] = []

    def asking(self, key: KeyT, lease_ms: int) -> Callable[[aioredis.Redis], Awaitable[Any]]:
        async def ask(c: aioredis.Redis) -> Any:
            pool = c.connection_pool  # its connection itself, not c.client() (as HeldLinks)
            with pool_full_as_overloaded():
                conn = await pool.get_connection("AC.GETORLEASE")
            self._held.append((pool, conn))
            try:
                await conn.send_command("AC.GETORLEASE", key, int(lease_ms))
                return await c.parse_response(conn, "AC.GETORLEASE")
            except BaseException:  # CancelledError included: its reply may still arrive
                await conn.disconnect()
                raise
        return ask

    async def release(self) -> None:
        held, self._held = self._held, []
        for pool, conn in held:
            await pool.release(conn)


class AsyncCache:
    """An asyncio client of an actorcache cluster; see ``Cache`` for the semantics."""

    def __init__(self, addresses: Union[str, Sequence[str]], password: Optional[str] = None,
                 **options: Any) -> None:
        self.options = Options(password=password, **options)
        self._routing = Routing([addresses] if isinstance(addresses, str) else list(addresses),
                                down_for=self.options.down_for)
        self._clients: Dict[Tuple[str, float], aioredis.Redis] = {}

    # -- the cache API -----------------------------------------------------------
    async def get(self, key: KeyT) -> Optional[codec.Value]:
        """The value of the key: bytes, an ndarray (for a tensor), or None when missing."""
        # One key is one batch on its owner: routed once, not grouped first (as Cache.get).
        return (await self._on_key(key, lambda c: self._get_batch(c, [key])))[0]

    async def get_many(self, keys: Sequence[KeyT]) -> List[Optional[codec.Value]]:
        """Values of many keys, in the order asked: one batch per owner, owners in parallel."""
        keys = list(keys)
        out: List[Optional[codec.Value]] = [None] * len(keys)
        await self._maybe_refresh()
        parts: List[List[int]] = []
        for idx in self._group_by_owner(keys).values():
            parts += [idx[s:s + self.options.batch_keys] for s in range(0, len(idx), self.options.batch_keys)]

        async def one(part: List[int]) -> None:
            batch = [keys[i] for i in part]
            vals = await self._on_key(batch[0], lambda c: self._get_batch(c, batch))
            for i, v in zip(part, vals):
                out[i] = v
        await asyncio.gather(*(one(p) for p in parts))
        return out

    async def set(self, key: KeyT, value: Any, ttl: Optional[float] = None) -> None:
        """Stores bytes, str (as UTF-8) or an ndarray (dtype and shape kept)."""
        encoded = codec.encode_value(value)
        args = codec.set_args(key, encoded, ttl)

        async def send(c: aioredis.Redis) -> Any:  # after the refresh: whether it is plain Redis
            check_bulk_size(encoded, bulk_limit(self.options, self._routing))
            return await c.execute_command(*args)
        try:
            await self._on_key(key, send)
        except RequestError as e:
            raise refused_value(e, codec.value_size(encoded)) from None

    async def delete(self, key: KeyT) -> bool:
        """Removes the key; True if it was there."""
        return int(await self._on_key(key, lambda c: c.execute_command("DEL", key))) > 0

    async def get_or_compute(self, key: KeyT, compute: Callable[[], Any], ttl: Optional[float] = None,
                             lease_ms: int = 30000) -> codec.Value:
        """As Cache.get_or_compute; compute() may return a value or an awaitable."""
        links = AsyncHeldLinks()
        try:
            kind, payload = codec.parse_lease_reply(await self._on_key(
                key, links.asking(key, lease_ms), wait=self.options.lease_wait(lease_ms)))
            if kind == "value":
                return payload
            token: str = payload
            try:
                value = await resolved(compute())
                encoded = codec.encode_value(value)
                check_bulk_size(encoded, bulk_limit(self.options, self._routing))
            except BaseException:  # a value that cannot be sent too
                await self._abandon(key, token)
                raise
            try:
                await self._on_key(key, lambda c: c.execute_command(*codec.fill_args(key, token, encoded, ttl)))
            except BaseException as e:
                err = failed_fill(key, e, encoded)
                if err is not None:
                    await self._abandon(key, token)
                    if err is e:
                        raise
                    raise err from None
            return codec.as_returned(value)
        finally:
            await links.release()

    # -- cluster information -----------------------------------------------------
    async def owner(self, key: KeyT) -> str:
        """The RESP address of the key's owner as a node says (AC.OWNER)."""
        reply = await self._on_key(key, lambda c: c.execute_command("AC.OWNER", key))
        return reply.decode() if isinstance(reply, bytes) else str(reply)

    async def members(self) -> List[Member]:
        """The cluster's members, freshly asked (AC.MEMBERS)."""
        await self._refresh()
        return self._routing.members()

    async def close(self) -> None:
        """Closes every pooled connection."""
        clients, self._clients = self._clients, {}
        for c in clients.values():
            await c.connection_pool.disconnect()

    async def __aenter__(self) -> "AsyncCache":
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self.close()

    # -- batches -----------------------------------------------------------------
    async def _get_batch(self, c: aioredis.Redis, keys: List[KeyT]) -> List[Optional[codec.Value]]:
        steps = get_batch(self._routing.standalone, keys)
        try:
            commands = next(steps)
            while True:
                commands = steps.send(await round_trip(c, commands))
        except StopIteration as done:
            return done.value

    def _group_by_owner(self, keys: List[KeyT]) -> Dict[str, List[int]]:
        groups: Dict[str, List[int]] = {}
        for i, k in enumerate(keys):
            groups.setdefault(self._routing.owner_address(key_bytes(k)), []).append(i)
        return groups

    async def _abandon(self, key: KeyT, token: str) -> None:
        try:
            await self._on_key(key, lambda c: c.execute_command("AC.ABANDON", key, token))
        except CacheError as e:
            log.warning("actorcache: could not abandon the lease on %r: %s", key, e)

    # -- routing and failover ----------------------------------------------------
    async def _on_key(self, key: KeyT, call: Callable[[aioredis.Redis], Awaitable[T]],
                      wait: Optional[float] = None) -> T:
        deadline = time.monotonic() + self.options.failover_window
        pause = 0.05
        while True:
            try:
                await self._maybe_refresh()
                return await self._each(self._routing.candidates(key_bytes(key)), call, wait)
            except Unavailable:
                if time.monotonic() + pause > deadline:
                    raise
                await asyncio.sleep(pause)
                pause = min(pause * 2, 0.5)

    async def _each(self, addresses: List[str], call: Callable[[aioredis.Redis], Awaitable[T]],
                    wait: Optional[float]) -> T:
        """As Cache._each: a broken connection once more, then the next member."""
        tries = Tries(self._routing, addresses)
        for addr in tries:
            try:
                result = await call(self._client(addr, wait))
                self._routing.mark_up(addr)
                return result
            except (redis.ConnectionError, redis.TimeoutError, redis.ResponseError, OSError,
                    asyncio.TimeoutError) as e:
                tries.failed(addr, e)
        raise tries.last

    async def _maybe_refresh(self) -> None:
        if self._routing.is_stale(self.options.refresh_interval):
            try:
                await self._refresh()
            except Unavailable:
                if not self._routing.members() and not self._routing.standalone:
                    raise

    async def _refresh(self) -> None:
        async def ask(c: aioredis.Redis) -> Any:
            try:
                return parse_members(await c.execute_command("AC.MEMBERS"))
            except redis.ResponseError as e:
                if is_unknown_command(e):
                    return None  # a plain Redis server
                raise
        apply_members(self._routing, await self._each(self._routing.any_candidates(), ask, None))

    def _client(self, address: str, wait: Optional[float]) -> aioredis.Redis:
        timeout = wait if wait is not None else self.options.socket_timeout
        c = self._clients.get((address, timeout))
        if c is None:
            host, port = split_address(address)
            pool = aioredis.ConnectionPool(**self.options.pool_kwargs(host, port, timeout, asyncio=True))
            c = self._clients[(address, timeout)] = aioredis.Redis(connection_pool=pool)
        return c
