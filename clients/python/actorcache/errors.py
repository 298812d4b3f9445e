"""Exceptions of the actorcache client, one per error CODE a node can reply with.

A node answers a failed command with ``-CODE message``; the client raises the class
registered for CODE here, carrying the node's message as ``reason``. Nothing is
turned into a silent ``None``: a miss is ``None``, an error is an exception.
"""
from __future__ import annotations

from typing import Dict, Optional, Type

import redis


class CacheError(Exception):
    """Base of every actorcache error.

    ``code`` is the node's error code (``"UNAVAILABLE"``, ``"KEYTOOLONG"``, ...) and
    ``reason`` its message, or the client's own sentence when no node answered.
    """

    code: str = "ERROR"

    def __init__(self, reason: str, code: Optional[str] = None) -> None:
        super().__init__(reason)
        self.reason = reason
        if code is not None:
            self.code = code

    def __str__(self) -> str:
        return f"{self.code}: {self.reason}"


class RequestError(CacheError):
    """``ERR``: Redis's generic, syntax or arity error."""

    code = "ERR"


class AuthError(CacheError):
    """``NOAUTH`` / ``WRONGPASS``: the password is missing or wrong."""

    code = "NOAUTH"


class ProtocolVersionError(CacheError):
    """``NOPROTO``: the node speaks RESP2 only."""

    code = "NOPROTO"


class EmptyKey(CacheError):
    """``EMPTYKEY``: the key is empty."""

    code = "EMPTYKEY"


class KeyTooLong(CacheError):
    """``KEYTOOLONG``: the key is longer than the node's ``cache.max-key-bytes``."""

    code = "KEYTOOLONG"


class ValueTooLarge(CacheError):
    """``VALUETOOLARGE``: the value is larger than ``cache.max-value-bytes``."""

    code = "VALUETOOLARGE"


class BadValue(CacheError):
    """``BADVALUE``: the value (or its dtype/shape) was refused."""

    code = "BADVALUE"


class Overloaded(CacheError):
    """``OVERLOADED``: the node has too many requests in flight; retry later."""

    code = "OVERLOADED"


class ComputeFailed(CacheError):
    """``COMPUTEFAILED``: the node's loader failed for this key."""

    code = "COMPUTEFAILED"


class Unavailable(CacheError):
    """``UNAVAILABLE``: no node (or the L2 the write needs) could answer."""

    code = "UNAVAILABLE"


class Timeout(Unavailable):
    """No answer within the client's timeout (a kind of ``Unavailable``)."""

    code = "TIMEOUT"


class L2Error(CacheError):
    """``L2ERROR``: Redis behind the node failed."""

    code = "L2ERROR"


class BadRequest(CacheError):
    """``BADREQUEST``: the node could not make sense of the request."""

    code = "BADREQUEST"


class StaleLease(CacheError):
    """``STALELEASE``: the lease token is no longer the key's current lease."""

    code = "STALELEASE"


class WrongType(CacheError):
    """``WRONGTYPE``: the entry is not of the kind the command reads (AC.TENSOR.GET of bytes)."""

    code = "WRONGTYPE"


class Moved(CacheError):
    """``MOVED``: the key belongs to another node (the client refreshes and retries)."""

    code = "MOVED"


ERRORS_BY_CODE: Dict[str, Type[CacheError]] = {
    cls.code: cls
    for cls in (
        RequestError, ProtocolVersionError, EmptyKey, KeyTooLong, ValueTooLarge, BadValue,
        Overloaded, ComputeFailed, Unavailable, L2Error, BadRequest, StaleLease, WrongType, Moved,
    )
}
ERRORS_BY_CODE["NOAUTH"] = AuthError
ERRORS_BY_CODE["WRONGPASS"] = AuthError


def from_response_error(err: redis.RedisError) -> CacheError:
    """The actorcache exception for an error reply that redis-py raised.

    redis-py strips ``ERR`` and ``NOAUTH`` from the message and keeps any other code as
    the first word, so both spellings are recognised here.
    """
    text = str(err)
    if isinstance(err, redis.AuthenticationError):
        code, _, rest = text.partition(" ")
        return AuthError(rest if code in ("NOAUTH", "WRONGPASS") else text,
                         code if code in ("NOAUTH", "WRONGPASS") else "NOAUTH")
    code, _, rest = text.partition(" ")
    cls = ERRORS_BY_CODE.get(code)
    if cls is not None and code != "ERR":
        return cls(rest, code)
    if code == "WRONGPASS" or "invalid password" in text or "WRONGPASS" in text:
        return AuthError(text, "WRONGPASS")
    return RequestError(rest if code == "ERR" else text, "ERR")


def refused_value(err: CacheError, value_bytes: int) -> CacheError:
    """The error to raise for a write the node refused: a node cuts off a bulk string longer
    than it could ever store with a protocol error (``ERR Protocol error: invalid bulk
    length``) before the command sees it; in a SET or a FILL that bulk is the value."""
    if isinstance(err, RequestError) and "invalid bulk length" in err.reason:
        return ValueTooLarge(f"a value of {value_bytes} bytes is longer than the node accepts "
                             f"({err.reason})")
    return err
