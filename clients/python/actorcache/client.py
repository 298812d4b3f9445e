"""``Cache``: the blocking client. Sends each key to its owner, fails over, keeps types.

Usage::

    cache = Cache(["127.0.0.1:6391"])          # RESP addresses; any member will do
    cache.set("k", np.zeros((10, 50, 60), np.float32), ttl=60)
    cache.get("k")                              # ndarray float32 (10, 50, 60)
    cache.get_or_compute(feature_key(x, dim=256), lambda: extract(x))

Thread-safe: one redis-py connection pool per member, shared by all threads. Safe
across ``fork`` (redis-py pools reconnect in the child).
"""
from __future__ import annotations

import logging
import threading
import time
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple, TypeVar, Union

import redis

from . import codec
from .calls import (Commands, Tries, apply_members, bulk_limit, check_bulk_size, failed_fill,
                    get_batch, is_unknown_command, pool_full_as_overloaded)
from .errors import CacheError, RequestError, Unavailable, refused_value
from .options import KeyT, Options, key_bytes
from .routing import Member, Routing, parse_members, split_address

log = logging.getLogger("actorcache")
T = TypeVar("T")


def round_trip(c: redis.Redis, commands: Commands) -> List[Any]:
    """Sends the commands, one alone (no pipeline: ~40 us less), more as one pipeline."""
    if len(commands) == 1:
        try:
            return [c.execute_command(*commands[0])]
        except redis.ResponseError as e:
            return [e]
    pipe = c.pipeline(transaction=False)
    for command in commands:
        pipe.execute_command(*command)
    return pipe.execute(raise_on_error=False)


class HeldLinks:
    """The connections one get_or_compute sent AC.GETORLEASE on, each held out of its pool until
    the lease has ended (filled or abandoned). The node ties a lease to the connection it granted
    it on, and passes it to a waiter when that connection closes. Back in the pool, the
    connection would serve other callers meanwhile, and one of them timing out or being
    cancelled closes it: the lease would pass on while its holder still computes, and the key
    would be computed twice. A command broken off on a held connection (a timeout, an
    interrupt) closes it: its reply may still arrive, and must not reach the pool's next user."""

    def __init__(self) -> None:
        self._held: List[Tuple[redis.ConnectionPool, redis.Connection]] = []

    def asking(self, key: KeyT, lease_ms: int) -> Callable[[redis.Redis], Any]:
        """The call _on_key runs: AC.GETORLEASE on a connection of c's pool held for the lease."""
        def ask(c: redis.Redis) -> Any:
            # The pool's connection itself, not c.client(): a Redis object per call cost ~40 us
            # of a hit's ~200 (its __init__ copies the response callbacks).
            pool = c.connection_pool
            with pool_full_as_overloaded():
                conn = pool.get_connection("AC.GETORLEASE")
            self._held.append((pool, conn))
            try:
                conn.send_command("AC.GETORLEASE", key, int(lease_ms))
                return c.parse_response(conn, "AC.GETORLEASE")
            except BaseException:
                conn.disconnect()
                raise
        return ask

    def release(self) -> None:
        held, self._held = self._held, []
        for pool, conn in held:
            pool.release(conn)


class Cache:
    """A blocking client of an actorcache cluster over RESP (see ``Options`` for the
    keyword arguments: password, timeouts, TLS)."""

    def __init__(self, addresses: Union[str, Sequence[str]], password: Optional[str] = None,
                 **options: Any) -> None:
        self.options = Options(password=password, **options)
        self._routing = Routing([addresses] if isinstance(addresses, str) else list(addresses),
                                down_for=self.options.down_for)
        self._clients: Dict[Tuple[str, float], redis.Redis] = {}
        self._lock = threading.Lock()

    # -- the cache API -----------------------------------------------------------
    def get(self, key: KeyT) -> Optional[codec.Value]:
        """The value of the key: bytes, an ndarray (for a tensor), or None when missing."""
        # One key is one batch on its owner: routed once, not grouped first (the service's hit
        # path; get_many([key]) costs about 8 us more in Python).
        return self._on_key(key, lambda c: self._get_batch(c, [key]))[0]

    def get_many(self, keys: Sequence[KeyT]) -> List[Optional[codec.Value]]:
        """Values of many keys, in the order asked: one batch per owner node."""
        keys = list(keys)
        out: List[Optional[codec.Value]] = [None] * len(keys)
        for idx in self._group_by_owner(keys).values():
            for start in range(0, len(idx), self.options.batch_keys):
                part = idx[start:start + self.options.batch_keys]
                vals = self._on_key(keys[part[0]], lambda c: self._get_batch(c, [keys[i] for i in part]))
                for i, v in zip(part, vals):
                    out[i] = v
        return out

    def set(self, key: KeyT, value: Any, ttl: Optional[float] = None) -> None:
        """Stores bytes, str (as UTF-8 bytes) or an ndarray (dtype and shape kept).
        ttl in seconds (None: the node's default)."""
        encoded = codec.encode_value(value)
        args = codec.set_args(key, encoded, ttl)

        def send(c: redis.Redis) -> Any:  # after the refresh: whether the server is plain Redis
            check_bulk_size(encoded, bulk_limit(self.options, self._routing))
            return c.execute_command(*args)
        try:
            self._on_key(key, send)
        except RequestError as e:
            raise refused_value(e, codec.value_size(encoded)) from None

    def delete(self, key: KeyT) -> bool:
        """Removes the key; True if it was there."""
        return int(self._on_key(key, lambda c: c.execute_command("DEL", key))) > 0

    def get_or_compute(self, key: KeyT, compute: Callable[[], Any], ttl: Optional[float] = None,
                       lease_ms: int = 30000) -> codec.Value:
        """The key's value; when missing, exactly one caller in the whole cluster runs
        ``compute()`` and every concurrent caller receives its result.

        An exception in compute() abandons the lease (a waiting caller computes instead)
        and is re-raised here. A holder that dies or takes longer than lease_ms loses the
        lease to a waiter. A str result is returned (and stored) as UTF-8 bytes.
        """
        links = HeldLinks()
        try:
            kind, payload = codec.parse_lease_reply(self._on_key(
                key, links.asking(key, lease_ms), wait=self.options.lease_wait(lease_ms)))
            if kind == "value":
                return payload
            token: str = payload
            try:
                value = compute()
                encoded = codec.encode_value(value)
                check_bulk_size(encoded, bulk_limit(self.options, self._routing))
            except BaseException:  # a value that cannot be sent too
                self._abandon(key, token)
                raise
            try:
                self._on_key(key, lambda c: c.execute_command(*codec.fill_args(key, token, encoded, ttl)))
            except BaseException as e:
                err = failed_fill(key, e, encoded)
                if err is not None:
                    self._abandon(key, token)
                    if err is e:
                        raise
                    raise err from None
            return codec.as_returned(value)
        finally:
            links.release()

    # -- cluster information -----------------------------------------------------
    def owner(self, key: KeyT) -> str:
        """The RESP address of the key's owner as a node says (AC.OWNER)."""
        reply = self._on_key(key, lambda c: c.execute_command("AC.OWNER", key))
        return reply.decode() if isinstance(reply, bytes) else str(reply)

    def owner_by_ring(self, key: KeyT) -> str:
        """The RESP address of the key's owner as this client computes it (no request)."""
        self._maybe_refresh()
        return self._routing.owner_address(key_bytes(key))

    def members(self) -> List[Member]:
        """The cluster's members, freshly asked (AC.MEMBERS)."""
        self._refresh()
        return self._routing.members()

    def close(self) -> None:
        """Closes every pooled connection."""
        with self._lock:
            clients, self._clients = self._clients, {}
        for c in clients.values():
            c.connection_pool.disconnect()

    def __enter__(self) -> "Cache":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    # -- batches -----------------------------------------------------------------
    def _get_batch(self, c: redis.Redis, keys: List[KeyT]) -> List[Optional[codec.Value]]:
        """get_batch's round trips, on c."""
        steps = get_batch(self._routing.standalone, keys)
        try:
            commands = next(steps)
            while True:
                commands = steps.send(round_trip(c, commands))
        except StopIteration as done:
            return done.value

    def _group_by_owner(self, keys: List[KeyT]) -> Dict[str, List[int]]:
        self._maybe_refresh()
        groups: Dict[str, List[int]] = {}
        for i, k in enumerate(keys):
            groups.setdefault(self._routing.owner_address(key_bytes(k)), []).append(i)
        return groups

    def _abandon(self, key: KeyT, token: str) -> None:
        try:
            self._on_key(key, lambda c: c.execute_command("AC.ABANDON", key, token))
        except CacheError as e:  # the lease ends with its lease-ms anyway
            log.warning("actorcache: could not abandon the lease on %r: %s", key, e)

    # -- routing and failover ----------------------------------------------------
    def _on_key(self, key: KeyT, call: Callable[[redis.Redis], T], wait: Optional[float] = None) -> T:
        """Runs call on the key's owner; on a dead or silent member, on the next one."""
        deadline = time.monotonic() + self.options.failover_window
        pause = 0.05
        while True:
            try:
                self._maybe_refresh()
                return self._each(self._routing.candidates(key_bytes(key)), call, wait)
            except Unavailable:
                # every member failed: a member may be dead and not yet declared down
                if time.monotonic() + pause > deadline:
                    raise
                time.sleep(pause)
                pause = min(pause * 2, 0.5)

    def _each(self, addresses: List[str], call: Callable[[redis.Redis], T], wait: Optional[float]) -> T:
        """Runs call on each address in turn until one answers. A broken connection is tried
        once more on a fresh one first (a pooled connection the node closed is not a dead
        node); a refused or silent member is marked down and the next one asked."""
        tries = Tries(self._routing, addresses)
        for addr in tries:
            try:
                result = call(self._client(addr, wait))
                self._routing.mark_up(addr)
                return result
            except (redis.ConnectionError, redis.TimeoutError, redis.ResponseError) as e:
                tries.failed(addr, e)
        raise tries.last

    def _maybe_refresh(self) -> None:
        if self._routing.is_stale(self.options.refresh_interval):
            try:
                self._refresh()
            except Unavailable:
                if not self._routing.members() and not self._routing.standalone:
                    raise
                # keep routing with what we knew; requests fail over per member

    def _refresh(self) -> None:
        def ask(c: redis.Redis) -> Any:
            try:
                return parse_members(c.execute_command("AC.MEMBERS"))
            except redis.ResponseError as e:
                if is_unknown_command(e):
                    return None  # a plain Redis server
                raise
        apply_members(self._routing, self._each(self._routing.any_candidates(), ask, None))

    def _client(self, address: str, wait: Optional[float]) -> redis.Redis:
        timeout = wait if wait is not None else self.options.socket_timeout
        c = self._clients.get((address, timeout))
        if c is None:
            host, port = split_address(address)
            with self._lock:
                c = self._clients.get((address, timeout))
                if c is None:
                    pool = redis.ConnectionPool(**self.options.pool_kwargs(host, port, timeout, asyncio=False))
                    c = self._clients[(address, timeout)] = redis.Redis(connection_pool=pool)
        return c
