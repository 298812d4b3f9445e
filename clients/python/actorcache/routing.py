"""Who to ask for a key: the members a node reports, the ring over them, and failover order.

No I/O here: ``Cache`` and ``AsyncCache`` feed it AC.MEMBERS replies and connection
failures and ask it where to send each key. A member that failed is tried last for
``down_for`` seconds; any member answers any key (it forwards to the owner), so a
request goes to the owner first and then to every other address in turn.
"""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any, Callable, Dict, List, Sequence

from .ring import RendezvousRing


@dataclass(frozen=True)
class Member:
    """One row of AC.MEMBERS."""

    id: str            # node.id
    address: str       # CAF host:port (peers)
    resp_address: str  # RESP host:port (clients)
    state: str         # alive | suspect | down | left


def parse_members(reply: Any) -> List[Member]:
    """Members from an AC.MEMBERS reply (an array of [id, address, resp_address, state])."""
    def text(x: Any) -> str:
        return x.decode() if isinstance(x, bytes) else str(x)
    out = []
    for row in reply or []:
        if not isinstance(row, list) or len(row) < 4:
            raise ValueError(f"unexpected AC.MEMBERS row: {row!r}"[:200])
        out.append(Member(text(row[0]), text(row[1]), text(row[2]), text(row[3])))
    return out


def split_address(address: str) -> tuple:
    """("host", port) from "host:port" (an IPv6 host in brackets)."""
    host, _, port = address.rpartition(":")
    if not host or not port.isdigit():
        raise ValueError(f"bad address {address!r}: expected host:port")
    return host.strip("[]"), int(port)


class Routing:
    """Members, ring and failure marks; thread-safe."""

    def __init__(self, seeds: Sequence[str], down_for: float = 2.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        if not seeds:
            raise ValueError("Cache needs at least one address (host:port)")
        for s in seeds:
            split_address(s)
        self.seeds: List[str] = list(seeds)
        self.down_for = down_for
        self.standalone = False  # a plain Redis server: no AC.* commands, no ring
        self.refreshed_at = float("-inf")
        self._clock = clock
        self._lock = threading.Lock()
        self._members: List[Member] = []
        self._by_id: Dict[str, Member] = {}
        self._ring = RendezvousRing([])
        self._down_until: Dict[str, float] = {}

    # -- updates -----------------------------------------------------------------
    def update(self, members: List[Member]) -> None:
        """Takes a fresh AC.MEMBERS answer; only alive members with a RESP address route."""
        alive = [m for m in members if m.state == "alive" and m.resp_address]
        with self._lock:
            self._members = members
            self._by_id = {m.id: m for m in alive}
            self._ring = RendezvousRing([m.id for m in alive])
            self.standalone = False
            self.refreshed_at = self._clock()

    def set_standalone(self) -> None:
        """The seeds are plain Redis servers: every key goes to the first reachable one."""
        with self._lock:
            self.standalone = True
            self.refreshed_at = self._clock()

    def mark_down(self, address: str) -> None:
        with self._lock:
            self._down_until[address] = self._clock() + self.down_for

    def mark_up(self, address: str) -> None:
        # Every answered call says so: the lock only when there is a mark to drop (reading a
        # dict without it is safe in CPython; a mark set meanwhile is dropped next time).
        if address in self._down_until:
            with self._lock:
                self._down_until.pop(address, None)

    # -- queries -----------------------------------------------------------------
    def members(self) -> List[Member]:
        with self._lock:
            return list(self._members)

    def is_stale(self, max_age: float) -> bool:
        return self._clock() - self.refreshed_at > max_age

    def owner_address(self, key: bytes) -> str:
        """The RESP address the ring names for the key (the first seed when standalone
        or before the first refresh)."""
        return self.candidates(key)[0]

    def candidates(self, key: bytes) -> List[str]:
        """Every address to try for the key: owner, runners-up, then the seeds; those
        that failed within down_for last."""
        with self._lock:
            ranked = [] if self.standalone or not self._ring.ids else [
                self._by_id[i].resp_address for i in self._ring.ranked(key)]
        return self._order(ranked)

    def any_candidates(self) -> List[str]:
        """Addresses for a command about no key (AC.MEMBERS): alive members, then seeds."""
        with self._lock:
            ranked = [m.resp_address for m in self._by_id.values()]
        return self._order(ranked)

    def _order(self, ranked: List[str]) -> List[str]:
        seen = dict.fromkeys(ranked + self.seeds)
        if not self._down_until:  # nobody marked down (the usual case): no clock, no lock
            return list(seen)
        now = self._clock()
        with self._lock:
            up = [a for a in seen if self._down_until.get(a, 0) <= now]
            down = [a for a in seen if self._down_until.get(a, 0) > now]
        return up + down
