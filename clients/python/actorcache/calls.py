"""What ``Cache`` and ``AsyncCache`` share: a batch's reads, the order in which members are
asked, what a failed call or fill means, and the checks before a value is sent. Each client
keeps only its own I/O (blocking redis-py or redis.asyncio) around these."""
from __future__ import annotations

import contextlib
import logging
from typing import Any, Generator, Iterator, List, Optional, Tuple, Union

import redis

from . import codec
from .errors import (AuthError, CacheError, Moved, Overloaded, RequestError, StaleLease, Timeout,
                     Unavailable, ValueTooLarge, WrongType, from_response_error, refused_value)
from .options import KeyT, Options
from .routing import Member, Routing

log = logging.getLogger("actorcache")

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
