"""Values on the wire: bytes and str as bytes, numpy arrays as tensors (dtype, shape, bytes).

A tensor travels as its dtype name (``float32``), its shape (``10,50,60``) and its
row-major little-endian bytes, so it comes back with the same dtype and shape.
Other Python objects are refused: the client never falls back to pickle.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, List, Optional, Sequence, Tuple, Union

import numpy as np

Value = Union[bytes, np.ndarray]

#: dtypes a tensor may have (numpy names, as sent to AC.TENSOR.SET).
TENSOR_DTYPES = ("bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32",
                 "uint64", "float16", "float32", "float64")


@dataclass(frozen=True)
class Tensor:
    """An array as the node stores it."""

    dtype: str    # numpy dtype name, e.g. "float32"
    shape: str    # "d0,d1,..." ("" for a 0-d array)
    data: Union[bytes, memoryview]  # row-major, little-endian (a view of the array's bytes)


def encode_tensor(array: np.ndarray) -> Tensor:
    """The wire form of an array; TypeError for dtypes outside TENSOR_DTYPES."""
    name = array.dtype.name
    if name not in TENSOR_DTYPES:
        raise TypeError(f"arrays of dtype {array.dtype} cannot be cached "
                        f"(supported: {', '.join(TENSOR_DTYPES)})")
    little = np.ascontiguousarray(array, dtype=array.dtype.newbyteorder("<"))
    # The array's own bytes, not a tobytes() copy: redis-py sends a memoryview as it is, so a
    # 120 KB tensor is not copied once more on its way (a set 4-6 us faster, bench/RESULTS.md
    # session 18). The array is read while the call that sends it runs, and not after.
    data = memoryview(little).cast("B") if little.nbytes else b""  # no view of an empty shape
    return Tensor(name, ",".join(str(d) for d in array.shape), data)


def decode_tensor(dtype: Union[bytes, str], dims: Sequence[Any], data: bytes) -> np.ndarray:
    """A writable array from a tensor reply ``[dtype, [d0, ...], bytes]``."""
    name = dtype.decode() if isinstance(dtype, bytes) else dtype
    shape: Tuple[int, ...] = tuple(int(d) for d in dims)
    dt = np.dtype(name).newbyteorder("<")
    return np.frombuffer(bytearray(data), dtype=dt).reshape(shape).astype(dt.newbyteorder("="),
                                                                           copy=False)


def encode_value(value: Any) -> Union[bytes, Tensor]:
    """bytes-like and str (UTF-8) become bytes, ndarrays tensors, numpy scalars (what
    ``features.mean()`` returns) 0-d tensors; anything else TypeError."""
    if isinstance(value, np.ndarray):
        return encode_tensor(value)
    # Before numpy scalars: np.bytes_ and np.str_ are bytes and str too, and stay those.
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value)
    if isinstance(value, str):
        return value.encode("utf-8")
    if isinstance(value, np.generic):
        return encode_tensor(np.asarray(value))
    raise TypeError(f"cannot cache a {type(value).__name__}: use bytes, str or numpy.ndarray "
                    "(no pickle fallback)")


def value_size(value: Union[bytes, Tensor]) -> int:
    """Bytes of an encoded value on the wire."""
    return len(value.data) if isinstance(value, Tensor) else len(value)


def as_returned(value: Any) -> Value:
    """What every other caller of a key reads back for a value this caller computed: a numpy
    scalar as the 0-d array the others read."""
    encoded = encode_value(value)
    if not isinstance(encoded, Tensor):
        return encoded
    return np.asarray(value) if isinstance(value, np.generic) else value


def is_tensor_dtype(name: Any) -> bool:
    """Whether a reply's first element names a tensor dtype."""
    if isinstance(name, bytes):
        name = name.decode(errors="replace")
    return name in TENSOR_DTYPES


def parse_tensor_get(reply: Any) -> Optional[Value]:
    """Reads an AC.TENSOR.GET reply: an ndarray for a tensor, None for nil (a miss:
    AC.TENSOR.GET looks the key up as GET does), bytes when the node answers a bytes entry
    in the same shape (``["bytes", [n], data]``, proposed to the server)."""
    if reply is None:
        return None
    if isinstance(reply, list) and len(reply) == 3:
        dtype, dims, data = reply
        if is_tensor_dtype(dtype):
            return decode_tensor(dtype, dims, data)
        return bytes(data)
    raise ValueError(f"unexpected AC.TENSOR.GET reply: {reply!r}"[:200])


def parse_lease_reply(reply: Any) -> Tuple[str, Any]:
    """Reads an AC.GETORLEASE reply: ("value", bytes | ndarray) or ("lease", token)."""
    if not isinstance(reply, list) or not reply:
        raise ValueError(f"unexpected AC.GETORLEASE reply: {reply!r}"[:200])
    kind = reply[0].decode() if isinstance(reply[0], bytes) else str(reply[0])
    if kind == "value" and len(reply) == 2:
        return "value", bytes(reply[1])
    if kind == "tensor" and len(reply) == 4:
        return "value", decode_tensor(reply[1], reply[2], reply[3])
    if kind == "lease" and len(reply) == 2:
        token = reply[1]
        return "lease", token.decode() if isinstance(token, bytes) else str(token)
    raise ValueError(f"unexpected AC.GETORLEASE reply: {reply!r}"[:200])


def fill_args(key: Union[str, bytes], token: str, value: Union[bytes, Tensor], ttl: Optional[float]) -> List[Any]:
    """Arguments of AC.FILL for an encoded value."""
    args: List[Any] = ["AC.FILL", key, token, value.data if isinstance(value, Tensor) else value]
    if ttl is not None:
        args += ["EX", ttl_seconds(ttl)]
    if isinstance(value, Tensor):
        args += ["TENSOR", value.dtype, value.shape]
    return args


def ttl_seconds(ttl: float) -> int:
    """A TTL as whole seconds for EX (rounded up, at least 1); ValueError unless > 0."""
    if ttl <= 0:
        raise ValueError(f"ttl must be positive, not {ttl}")
    return max(1, int(-(-ttl // 1)))


def set_args(key: Union[str, bytes], value: Union[bytes, Tensor], ttl: Optional[float]) -> List[Any]:
    """Arguments of SET (bytes) or AC.TENSOR.SET (tensors)."""
    if isinstance(value, Tensor):
        args: List[Any] = ["AC.TENSOR.SET", key, value.dtype, value.shape, value.data]
    else:
        args = ["SET", key, value]
    if ttl is not None:
        args += ["EX", ttl_seconds(ttl)]
    return args
