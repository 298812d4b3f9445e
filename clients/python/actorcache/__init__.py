"""actorcache: the Python client of an actorcache cluster (over its Redis protocol edge).

    from actorcache import Cache, feature_key
    cache = Cache(["127.0.0.1:6391"])
    key = feature_key(market_data, fused_feature_dim=256, enable_fallback=True)
    features = cache.get_or_compute(key, lambda: extract(market_data), ttl=300)

Needs only redis-py, numpy and xxhash (Debian's python3-redis, python3-numpy, python3-xxhash).
"""
from .aio import AsyncCache
from .client import Cache
from .errors import (AuthError, BadRequest, BadValue, CacheError, ComputeFailed, EmptyKey,
                     KeyTooLong, L2Error, Moved, Overloaded, ProtocolVersionError, RequestError,
                     StaleLease, Timeout, Unavailable, ValueTooLarge, WrongType)
from .keys import config_signature, feature_key
from .options import Options
from .routing import Member

__all__ = [
    "Cache", "AsyncCache", "feature_key", "config_signature", "Options", "Member",
    "CacheError", "RequestError", "AuthError", "ProtocolVersionError", "EmptyKey", "KeyTooLong",
    "ValueTooLarge", "BadValue", "Overloaded", "ComputeFailed", "Unavailable", "Timeout",
    "L2Error", "BadRequest", "StaleLease", "WrongType", "Moved",
]
__version__ = "0.1.0"
