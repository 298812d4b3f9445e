"""Code that runs in child processes of the lease tests (module level, so fork and spawn both work)."""
from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from actorcache import Cache  # noqa: E402


def log_line(path: str, text: str) -> None:
    """Appends one line atomically (O_APPEND), so concurrent computes are all counted."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    try:
        os.write(fd, (text + "\n").encode())
    finally:
        os.close(fd)


def compute_once_worker(address: str, key: str, log: str, seconds: float) -> None:
    """get_or_compute with a slow compute; exits 1 unless the value came back whole."""
    cache = Cache([address], socket_timeout=10)

    def compute() -> np.ndarray:
        log_line(log, str(os.getpid()))
        time.sleep(seconds)
        return np.full((4, 4), 3.5, dtype=np.float32)
    v = cache.get_or_compute(key, compute, ttl=60, lease_ms=20000)
    ok = isinstance(v, np.ndarray) and v.dtype == np.float32 and v.shape == (4, 4) and float(v[0, 0]) == 3.5
    sys.exit(0 if ok else 1)


def holder_worker(address: str, key: str, started: str, lease_ms: int) -> None:
    """Takes the lease and computes forever (the test kills this process mid-compute)."""
    cache = Cache([address], socket_timeout=10)

    def compute() -> bytes:
        log_line(started, str(os.getpid()))
        time.sleep(600)
        return b"never"
    cache.get_or_compute(key, compute, ttl=60, lease_ms=lease_ms)
