"""Feature keys: the Python twin of core/key_normalization.cpp.

``feature_key(array, **params)`` returns exactly the string that
``actorcache-client key --npy=FILE --param=NAME=VALUE ...`` prints:
``features:<32 hex of XXH3-128>:<16 hex of XXH3-64>``. The 128-bit hash covers the
shape and every value widened to float64, rounded to 6 decimals (half to even),
-0 made +0 and every NaN made the one quiet NaN, written little-endian in row-major
order; so arrays that differ only by float noise share a key. The 64-bit part is the
signature of the parameters sorted by (name, value).
"""
from __future__ import annotations

import struct
from typing import Any, Iterable, List, Tuple

import numpy as np
import xxhash

_KEY_PREFIX = "features:"


def param_text(value: Any) -> str:
    """How a parameter value is written into the signature.

    A bool is ``true``/``false``, an int its decimal digits, a str itself, a float its
    shortest round-trip repr (``0.5``); anything else is refused with TypeError.
    """
    if isinstance(value, (bool, np.bool_)):
        return "true" if value else "false"
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, str):
        return value
    if isinstance(value, (float, np.floating)):
        return repr(float(value))
    raise TypeError(f"feature_key parameter of type {type(value).__name__} "
                    "(use bool, int, float or str)")


def _u64(n: int) -> bytes:
    return struct.pack("<Q", n)


def config_signature(params: Iterable[Tuple[str, str]]) -> str:
    """16 hex chars of XXH3-64 over the length-prefixed (name, value) pairs, sorted."""
    data = bytearray()
    for name, value in sorted((n.encode(), v.encode()) for n, v in params):
        data += _u64(len(name)) + name + _u64(len(value)) + value
    return xxhash.xxh3_64_hexdigest(bytes(data))


def canonical_values(array: np.ndarray) -> np.ndarray:
    """The values as the hash sees them: float64, row-major, rounded to 6 decimals,
    +0 for -0, one NaN bit pattern. Huge values (x * 1e6 overflows) keep their value."""
    values = np.asarray(array).astype(np.float64).ravel(order="C")
    with np.errstate(over="ignore", invalid="ignore"):
        scaled = values * 1e6
        rounded = np.where(np.isfinite(scaled), np.rint(scaled) / 1e6, values)
    rounded[rounded == 0] = 0.0
    rounded[np.isnan(rounded)] = np.nan
    return rounded


def feature_key(array: Any, **params: Any) -> str:
    """The cache key of a numeric array plus the parameters that shape its features.

    ``array`` is anything ``numpy.asarray`` turns into a bool, int, uint or float array.
    Equal to the C++ ``normalize_features_key(values, shape, config_signature(params))``.
    """
    a = np.asarray(array)
    if a.dtype.kind not in "biuf":
        raise TypeError(f"feature_key needs a bool, int, uint or float array, not {a.dtype}")
    header = _u64(a.ndim) + b"".join(_u64(d) for d in a.shape)
    body = canonical_values(a).astype("<f8", copy=False).tobytes()
    digest = xxhash.xxh3_128_hexdigest(header + body)
    pairs: List[Tuple[str, str]] = [(name, param_text(v)) for name, v in params.items()]
    return f"{_KEY_PREFIX}{digest}:{config_signature(pairs)}"
