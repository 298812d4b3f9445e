"""Key ownership: the Python twin of core/rendezvous_ring.cpp.

Every alive member scores every key; the highest score owns it. The score is XXH3-64
of the key's hash (8 bytes little-endian) seeded with XXH3-64 of the member id, and
the key's hash is XXH3-64 of its bytes, as in core/key_normalization.cpp's key_hash.
Ties go to the smallest id, as on the nodes.
"""
from __future__ import annotations

import struct
from typing import List, Sequence

import xxhash


def key_hash(key: bytes) -> int:
    """XXH3-64 of the key bytes: the one hash every node routes by."""
    return xxhash.xxh3_64_intdigest(key)


class RendezvousRing:
    """Owner and fallback order of keys over a fixed set of member ids."""

    def __init__(self, ids: Sequence[str]) -> None:
        self.ids: List[str] = sorted(set(ids))
        self._seeds: List[int] = [xxhash.xxh3_64_intdigest(i.encode()) for i in self.ids]

    def ranked(self, key: bytes) -> List[str]:
        """Every member id, owner first, then the runners-up by descending score."""
        packed = struct.pack("<Q", key_hash(key))
        scores = [(-xxhash.xxh3_64_intdigest(packed, seed=s), n) for n, s in enumerate(self._seeds)]
        scores.sort()
        return [self.ids[n] for _, n in scores]

    def owner(self, key: bytes) -> str:
        """The id of the key's owner; IndexError when the ring is empty."""
        packed = struct.pack("<Q", key_hash(key))
        best_n, best_w = 0, -1
        for n, s in enumerate(self._seeds):
            w = xxhash.xxh3_64_intdigest(packed, seed=s)
            if w > best_w:
                best_n, best_w = n, w
        return self.ids[best_n]
