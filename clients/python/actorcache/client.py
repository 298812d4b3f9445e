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

import contextlib
import logging
import threading
import time
from typing import (Any, Callable, Dict, Generator, Iterator, List, Optional, Sequence, Tuple,
                    TypeVar, Union)

import redis

from . import codec
from .errors import (AuthError, CacheError, Moved, Overloaded, RequestError, StaleLease, Timeout,
                     Unavailable, ValueTooLarge, WrongType, from_response_error, refused_value)
from .options import KeyT, Options, key_bytes
from .routing import Member, Routing, parse_members, split_address

log = logging.getLogger("actorcache")
T = TypeVar("T")

#: how AC.TENSOR.GET says "this entry holds bytes": the client reads it with MGET instead.
NOT_A_TENSOR = (WrongType,)


def tensor_replies(replies: List[Any], out: List[Optional[codec.Value]]) -> List[int]:
    """Fills `out` from AC.TENSOR.GET replies (a tensor, or None for a miss) and returns the
    positions whose keys hold bytes (answered WRONGTYPE), for one MGET; other errors raise."""
    rest = []
    for i, r in enumerate(replies):
        if isinstance(r, redis.ResponseError):
            err = from_response_error(r)
            if not isinstance(err, NOT_A_TENSOR):
                raise err
            rest.append(i)
        else:
            out[i] = codec.parse_tensor_get(r)
    return rest


def bytes_replies(rest: List[int], values: List[Any], out: List[Optional[codec.Value]]) -> None:
    """Puts an MGET's answers for the positions `rest` into `out` (None for a miss)."""
    for i, v in zip(rest, values):
        out[i] = None if v is None else bytes(v)


#: commands of one round trip (each a tuple of arguments), and their replies (errors as values)
Commands = List[Tuple[Any, ...]]


def get_batch(standalone: bool, keys: List[KeyT]) -> Generator[Commands, List[Any], List[Optional[codec.Value]]]:
    """The reads of one batch, for Cache and AsyncCache alike: yields each round trip's commands,
    is sent their replies, returns the values. One round trip of AC.TENSOR.GETs (a tensor or a
    miss is answered there), then one MGET of the keys that hold bytes (AC.TENSOR.GET answers
    those WRONGTYPE); a plain Redis server gets the MGET alone."""
    out: List[Optional[codec.Value]] = [None] * len(keys)
    rest = list(range(len(keys)))
    if not standalone:
        rest = tensor_replies((yield [("AC.TENSOR.GET", k) for k in keys]), out)
    if rest:
        (values,) = yield [("MGET", *[keys[i] for i in rest])]
        if isinstance(values, redis.ResponseError):
            raise values
        bytes_replies(rest, values, out)
    return out


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


class Tries:
    """The order in which Cache._each and AsyncCache._each ask members: each address in turn,
    a broken connection once more first (a pooled connection the node closed is not a dead
    node); ``last`` is the error to raise when none answered."""

    def __init__(self, routing: Routing, addresses: List[str]) -> None:
        self._routing = routing
        self._addresses = addresses
        self._again = False
        self.attempt = 1
        self.last: CacheError = Unavailable("no member to ask")

    def __iter__(self) -> Iterator[str]:
        for addr in self._addresses:
            self.attempt, self._again = 1, False
            yield addr
            if self._again:
                self.attempt = 2
                yield addr

    def failed(self, addr: str, e: BaseException) -> None:
        """The call to ``addr`` failed with ``e`` (see failed_call)."""
        err = failed_call(self._routing, addr, e, self.attempt)
        self._again = err is None
        if err is not None:
            self.last = err


@contextlib.contextmanager
def pool_full_as_overloaded() -> Iterator[None]:
    """Raises redis-py's "Too many connections" (a pool at Options.max_connections, its
    connections held by leases) as Overloaded: the member is fine, this client is at its own
    bound. Any other error passes unchanged (the caller's failover judges it)."""
    try:
        yield
    except redis.ConnectionError as e:
        if "Too many connections" not in str(e):
            raise
        raise Overloaded("every pooled connection to this member is in use (max_connections), "
                         "some held by leases until their fill") from None


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


def bulk_limit(options: Options, routing: Routing) -> Optional[int]:
    """The longest value Cache and AsyncCache send: Options.max_bulk_bytes to actorcache nodes,
    no bound of the client's to a plain Redis server (its proto-max-bulk-len is 512 MB)."""
    return None if routing.standalone else options.max_bulk_bytes


def check_bulk_size(encoded: Union[bytes, codec.Tensor], max_bulk_bytes: Optional[int]) -> None:
    """Raises ValueTooLarge, before anything is sent, for a value whose bulk (the value of SET or
    AC.FILL, the data of AC.TENSOR.SET) is longer than ``max_bulk_bytes`` (see bulk_limit; None:
    no check), for Cache and AsyncCache alike. A node cuts such a bulk off with a protocol error
    and closes the connection while the client is still writing: the client would see a broken
    connection, take the node for dead and retry on every member until Unavailable."""
    size = codec.value_size(encoded)
    if max_bulk_bytes is not None and size > max_bulk_bytes:
        raise ValueTooLarge(f"a value of {size} bytes is longer than the largest bulk a node reads "
                            f"(max_bulk_bytes={max_bulk_bytes}); it was not sent")


def failed_fill(key: KeyT, e: BaseException, encoded: Union[bytes, codec.Tensor]) -> Optional[BaseException]:
    """What a failed AC.FILL means, for Cache and AsyncCache alike: None when the lease was taken
    over meanwhile (logged; the computed value is still returned), else the error to raise once
    the lease is abandoned (a refused value says why)."""
    if isinstance(e, StaleLease):
        log.warning("actorcache: lease on %r was taken over before the fill (%s)", key, e.reason)
        return None
    if isinstance(e, RequestError):
        return refused_value(e, codec.value_size(encoded))
    return e


def failed_call(routing: Routing, addr: str, e: BaseException, attempt: int) -> Optional[CacheError]:
    """What a failed call to ``addr`` means, for Cache._each and AsyncCache._each alike: None to
    try the address once more (attempt 1 of a broken connection: a pooled connection the node
    closed is not a dead node), else the error to keep while the next member is asked (the
    member is marked down when it broke or was silent). Raises what no other member would
    answer differently: a refused password, a request error."""
    if isinstance(e, redis.AuthenticationError):  # a ConnectionError too: test it first
        raise AuthError(str(e)) from None
    if isinstance(e, redis.ResponseError):
        err = from_response_error(e)
        if not isinstance(err, (Unavailable, Moved)):
            raise err from None
        routing.refreshed_at = float("-inf")  # the member's view moved on: ask again soon
        return err
    timed_out = isinstance(e, (redis.TimeoutError, TimeoutError))  # asyncio's is the builtin
    if attempt == 1 and not timed_out:
        return None
    routing.mark_down(addr)
    routing.refreshed_at = float("-inf")
    return (Timeout if timed_out else Unavailable)(f"{addr}: {e}")


def is_unknown_command(e: redis.ResponseError) -> bool:
    """How a plain Redis server answers AC.MEMBERS: the client then runs standalone."""
    return isinstance(from_response_error(e), RequestError) and "unknown command" in str(e).lower()


def apply_members(routing: Routing, members: Optional[List[Member]]) -> None:
    """A refresh's outcome: the members AC.MEMBERS named, or None from a plain Redis server."""
    if members is None:
        routing.set_standalone()
    else:
        routing.update(members)


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
