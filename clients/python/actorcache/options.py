"""Connection options of Cache and AsyncCache, and how keys are written."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, Optional, Union

KeyT = Union[str, bytes]


def key_bytes(key: KeyT) -> bytes:
    """The key as the nodes hash it: str keys are UTF-8."""
    if isinstance(key, bytes):
        return key
    if isinstance(key, str):
        return key.encode("utf-8")
    raise TypeError(f"a key is str or bytes, not {type(key).__name__}")


@dataclass
class Options:
    """Everything a client may tune; every request is bounded by a timeout."""

    password: Optional[str] = None          # resp.password of the nodes (AUTH)
    socket_timeout: Optional[float] = 5.0   # seconds to wait for one reply (None: no bound)
    connect_timeout: float = 2.0            # seconds to open a connection
    refresh_interval: float = 10.0          # seconds between AC.MEMBERS refreshes
    down_for: float = 2.0                   # a member that failed is tried last this long
    failover_window: float = 3.0            # when no member could answer, keep retrying this long
    batch_keys: int = 1000                  # keys per pipelined batch in get_many
    max_bulk_bytes: Optional[int] = 8 << 20  # the largest bulk a node reads; larger values are
                                            # refused here before sending (ValueTooLarge). A
                                            # node reads max(8 MiB, 2 x cache.max-value-bytes):
                                            # raise it for such nodes (None: no check; none
                                            # against a plain Redis server)
    max_connections: Optional[int] = None   # per member and timeout (None: unbounded); a
                                            # get_or_compute holds one for its lease's life
    ssl: bool = False                       # TLS on the RESP port
    ssl_ca_certs: Optional[str] = None      # CA bundle (PEM)
    ssl_certfile: Optional[str] = None      # client certificate (PEM), for mutual TLS
    ssl_keyfile: Optional[str] = None       # its private key (PEM)
    ssl_cert_reqs: str = "required"         # "required" | "optional" | "none"
    ssl_check_hostname: bool = False        # nodes' certificates name the cluster, not hosts
    extra: Dict[str, Any] = field(default_factory=dict)  # more redis-py connection kwargs

    def lease_wait(self, lease_ms: int) -> Optional[float]:
        """How long AC.GETORLEASE may wait for its answer: the node lets a waiter wait up to
        3 x lease_ms (holders in line may each run out their lease), plus one reply timeout
        (None, as socket_timeout=None asks: no bound on the client's side)."""
        if self.socket_timeout is None:
            return None
        return round(3 * lease_ms / 1000.0 + self.socket_timeout, 3)

    def pool_kwargs(self, host: str, port: int, timeout: float, asyncio: bool) -> Dict[str, Any]:
        """Keyword arguments of redis-py's ConnectionPool for one member."""
        if asyncio:
            import redis.asyncio as r
        else:
            import redis as r  # type: ignore[no-redef]
        kw: Dict[str, Any] = dict(host=host, port=port, password=self.password,
                                  socket_timeout=timeout, socket_connect_timeout=self.connect_timeout,
                                  socket_keepalive=True)
        if self.max_connections is not None:
            kw["max_connections"] = self.max_connections
        if self.ssl:
            kw.update(connection_class=r.SSLConnection, ssl_ca_certs=self.ssl_ca_certs,
                      ssl_certfile=self.ssl_certfile, ssl_keyfile=self.ssl_keyfile,
                      ssl_cert_reqs=self.ssl_cert_reqs, ssl_check_hostname=self.ssl_check_hostname)
        kw.update(self.extra)
        return kw
