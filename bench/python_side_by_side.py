#!/usr/bin/python3
"""The original Python service's cache layer vs actorcache, side by side, on one workload.

Baseline (the original design, rebuilt): a per-process TTL cache (dict + expiry), Redis
through a redis-py connection pool, per-process herd protection (one future per key per
process), values as ndarray.tobytes() read back with np.frombuffer (else pickle).
actorcache: actorcache.Cache.get_or_compute against two nodes sharing the same Redis as L2.

Workload: P worker processes walk the same zipf stream of market-data arrays (10x50x60
float32, a few thousand distinct arrays); a miss runs feature extraction (sleep + a real
numpy reduction). Phase "cold" runs the stream once (herds form: every worker reaches
each new array at about the same time), phase "warm" replays it (every answer cached).
Then the original note's latency benchmark: set + get of 10x50x60 float32 arrays through
actorcache, the baseline layer and plain Redis.

Run from the repository root after building actorcache-node (any machine, ~1-2 min):
    /usr/bin/python3 bench/python_side_by_side.py [--workers 8 --requests 300 ...] [--json FILE]
"""
from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import pickle
import sys
import tempfile
import threading
import time
from collections import OrderedDict
from concurrent.futures import Future
from pathlib import Path
from typing import Any, Callable, Dict, List, Tuple

import numpy as np
import redis

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "clients" / "python"))
sys.path.insert(0, str(ROOT / "clients" / "python" / "tests"))

from actorcache import Cache, feature_key  # noqa: E402
from procs import Node, Redis  # noqa: E402

PARAMS = dict(fused_feature_dim=256, enable_fallback=True)
SHAPE = (10, 50, 60)


# -- workload ---------------------------------------------------------------------
def market_data(i: int) -> np.ndarray:
    """Distinct array number i (the same bytes in every process)."""
    return np.random.default_rng(i).random(SHAPE, dtype=np.float32)


def extract_features(x: np.ndarray, compute_ms: float) -> np.ndarray:
    """The expensive part: a wait (model/IO) plus a real numpy reduction -> (10, 4, 60) float32."""
    time.sleep(compute_ms / 1000)
    return np.stack([x.mean(axis=1), x.std(axis=1), x.min(axis=1), x.max(axis=1)], axis=1).astype(np.float32)


def zipf_stream(n: int, distinct: int, alpha: float, seed: int) -> List[int]:
    ranks = np.arange(1, distinct + 1, dtype=np.float64)
    p = ranks ** -alpha
    p /= p.sum()
    return [int(i) for i in np.random.default_rng(seed).choice(distinct, size=n, p=p)]


def percentile_us(lat: List[float], q: float) -> float:
    return round(float(np.percentile(np.array(lat), q)) * 1e6, 1) if lat else 0.0


# -- the baseline: the original service's cache layer -------------------------------
class TTLCache:
    """What cachetools.TTLCache gave the original: bounded entries, per-entry expiry (LRU order)."""

    def __init__(self, maxsize: int, ttl: float) -> None:
        self.maxsize, self.ttl = maxsize, ttl
        self._data: "OrderedDict[str, Tuple[float, Any]]" = OrderedDict()

    def get(self, key: str) -> Any:
        item = self._data.get(key)
        if item is None:
            return None
        if item[0] < time.monotonic():
            del self._data[key]
            return None
        self._data.move_to_end(key)
        return item[1]

    def set(self, key: str, value: Any) -> None:
        self._data[key] = (time.monotonic() + self.ttl, value)
        self._data.move_to_end(key)
        while len(self._data) > self.maxsize:
            self._data.popitem(last=False)


def serialize(value: Any) -> bytes:
    """The original serializer: arrays as raw bytes (dtype and shape dropped), else pickle."""
    return value.tobytes() if isinstance(value, np.ndarray) else pickle.dumps(value)


def deserialize(raw: bytes) -> Any:
    """The original deserializer: np.frombuffer (float64, flat), silently pickle when that fails."""
    try:
        return np.frombuffer(raw)
    except ValueError:
        return pickle.loads(raw)


class BaselineLayer:
    """Local TTL cache -> Redis (pooled) -> compute, with per-process single flight."""

    def __init__(self, redis_port: int, ttl: float = 300, maxsize: int = 2000) -> None:
        self.local = TTLCache(maxsize, ttl)
        self.ttl = ttl
        pool = redis.ConnectionPool(host="127.0.0.1", port=redis_port, socket_timeout=5,
                                    socket_connect_timeout=2, socket_keepalive=True)
        self.redis = redis.Redis(connection_pool=pool)
        self._inflight: Dict[str, Future] = {}
        self._lock = threading.Lock()

    def get_or_compute(self, key: str, compute: Callable[[], Any]) -> Any:
        key = "base:" + key
        v = self.local.get(key)
        if v is not None:
            return v
        with self._lock:
            fut = self._inflight.get(key)
            leader = fut is None
            if leader:
                fut = self._inflight[key] = Future()
        if not leader:
            return fut.result(timeout=30)
        try:
            raw = self.redis.get(key)
            if raw is not None:
                v = deserialize(raw)
            else:
                v = compute()
                self.redis.set(key, serialize(v), ex=int(self.ttl))
            self.local.set(key, v)
            fut.set_result(v)
            return v
        except BaseException as e:
            fut.set_exception(e)
            raise
        finally:
            with self._lock:
                self._inflight.pop(key, None)

    def set(self, key: str, value: Any) -> None:
        self.redis.set("base:" + key, serialize(value), ex=int(self.ttl))
        self.local.set("base:" + key, value)

    def get(self, key: str) -> Any:
        v = self.local.get("base:" + key)
        if v is None:
            raw = self.redis.get("base:" + key)
            v = None if raw is None else deserialize(raw)
        return v


class ActorcacheLayer:
    """The same service on actorcache: no local state, one compute per key in the cluster."""

    def __init__(self, addresses: List[str], ttl: float = 300) -> None:
        self.cache = Cache(addresses, socket_timeout=5)
        self.ttl = ttl

    def get_or_compute(self, key: str, compute: Callable[[], Any]) -> Any:
        return self.cache.get_or_compute(key, compute, ttl=self.ttl, lease_ms=10000)

    def set(self, key: str, value: Any) -> None:
        self.cache.set(key, value, ttl=self.ttl)

    def get(self, key: str) -> Any:
        return self.cache.get(key)


def make_layer(system: str, env: Dict[str, Any]) -> Any:
    if system == "baseline":
        return BaselineLayer(env["redis_port"])
    return ActorcacheLayer(env["addresses"])


# -- phase 1 and 2: the stream --------------------------------------------------------
def stream_worker(system: str, env: Dict[str, Any], stream: List[int], compute_ms: float,
                  barrier: Any, out: Any, compute_log: str) -> None:
    layer = make_layer(system, env)
    arrays = {i: market_data(i) for i in set(stream)}  # arrival of the data is not measured
    keys = {i: feature_key(a, **PARAMS) for i, a in arrays.items()}
    result: Dict[str, Any] = {"errors": 0}
    for phase in ("cold", "warm"):
        lat: List[float] = []
        barrier.wait(120)
        t0 = time.perf_counter()
        for i in stream:
            x = arrays[i]

            def compute() -> np.ndarray:
                fd = os.open(compute_log, os.O_WRONLY | os.O_CREAT | os.O_APPEND)
                os.write(fd, f"{i}\n".encode())
                os.close(fd)
                return extract_features(x, compute_ms)
            s = time.perf_counter()
            try:
                layer.get_or_compute(keys[i], compute)
                lat.append(time.perf_counter() - s)
            except Exception:
                result["errors"] += 1
        result[phase] = {"seconds": time.perf_counter() - t0, "lat": lat}
    out.put(result)


def run_stream(system: str, env: Dict[str, Any], args: argparse.Namespace, workdir: Path) -> Dict[str, Any]:
    redis.Redis(port=env["redis_port"]).flushall()
    stream = zipf_stream(args.requests, args.distinct, args.zipf, seed=11)
    log = str(workdir / f"computes.{system}.log")
    ctx = mp.get_context("fork")
    barrier, out = ctx.Barrier(args.workers), ctx.Queue()
    procs = [ctx.Process(target=stream_worker, args=(system, env, stream, args.compute_ms, barrier, out, log))
             for _ in range(args.workers)]
    for p in procs:
        p.start()
    results = [out.get(timeout=600) for _ in procs]
    for p in procs:
        p.join(30)
    computes = [int(x) for x in Path(log).read_text().split()] if Path(log).exists() else []
    distinct = len(set(stream))
    per_key: Dict[int, int] = {}
    for c in computes:
        per_key[c] = per_key.get(c, 0) + 1
    row: Dict[str, Any] = {
        "system": system, "workers": args.workers, "requests": args.requests * args.workers,
        "distinct_arrays": distinct, "computes": len(computes),
        "computes_per_distinct": round(len(computes) / distinct, 2),
        "max_computes_of_one_array": max(per_key.values()) if per_key else 0,
        "errors": sum(r["errors"] for r in results),
    }
    for phase in ("cold", "warm"):
        lat = [x for r in results for x in r[phase]["lat"]]
        secs = max(r[phase]["seconds"] for r in results)
        row[phase] = {"ops_per_s": round(len(lat) / secs, 1), "p50_us": percentile_us(lat, 50),
                      "p95_us": percentile_us(lat, 95), "p99_us": percentile_us(lat, 99)}
    # does a value read back from the shared tier keep its dtype and shape?
    x = market_data(stream[0])
    want = extract_features(x, 0)
    key = feature_key(x, **PARAMS)
    if system == "baseline":
        raw = redis.Redis(port=env["redis_port"]).get("base:" + key)
        got = deserialize(raw) if raw is not None else None
    else:
        got = Cache(env["addresses"]).get(key)
    row["shared_tier_keeps_dtype_and_shape"] = bool(
        isinstance(got, np.ndarray) and got.dtype == want.dtype and got.shape == want.shape
        and np.array_equal(got, want))
    row["shared_tier_returns"] = (f"{got.dtype} {got.shape}" if isinstance(got, np.ndarray) else repr(type(got)))
    return row


# -- the original note's latency benchmark ------------------------------------------------
def latency_bench(name: str, set_fn: Callable[[str, np.ndarray], None], get_fn: Callable[[str], Any],
                  ops: int) -> Dict[str, Any]:
    rng = np.random.default_rng(3)
    arrays = [rng.random(SHAPE, dtype=np.float32) for _ in range(min(ops, 64))]
    set_lat: List[float] = []
    get_lat: List[float] = []
    errors = 0
    t0 = time.perf_counter()
    for i in range(ops):
        key = f"lat:{name}:{i}"
        a = arrays[i % len(arrays)]
        try:
            s = time.perf_counter()
            set_fn(key, a)
            set_lat.append(time.perf_counter() - s)
            s = time.perf_counter()
            v = get_fn(key)
            get_lat.append(time.perf_counter() - s)
            if v is None:
                errors += 1
        except Exception:
            errors += 1
    total = time.perf_counter() - t0
    both = set_lat + get_lat
    return {"system": name, "operations": 2 * ops, "total_s": round(total, 3),
            "success": 2 * ops - errors, "error_rate": round(errors / (2 * ops), 4),
            "set_p50_us": percentile_us(set_lat, 50), "get_p50_us": percentile_us(get_lat, 50),
            "p95_us": percentile_us(both, 95), "p99_us": percentile_us(both, 99),
            "get_p95_us": percentile_us(get_lat, 95), "get_p99_us": percentile_us(get_lat, 99)}


def run_latency(env: Dict[str, Any], ops: int) -> List[Dict[str, Any]]:
    plain = redis.Redis(connection_pool=redis.ConnectionPool(port=env["redis_port"], socket_timeout=5))
    base = BaselineLayer(env["redis_port"])
    base_remote = BaselineLayer(env["redis_port"], maxsize=0)  # its local cache never holds: every get goes to Redis
    ac = ActorcacheLayer(env["addresses"]) if env["addresses"] else None
    return [
        latency_bench("plain Redis (tobytes)", lambda k, a: plain.set(k, a.tobytes(), ex=300), plain.get, ops),
        latency_bench("baseline layer (L1 hit)", base.set, base.get, ops),
        latency_bench("baseline layer (Redis hit)", base_remote.set, base_remote.get, ops),
    ] + ([latency_bench("actorcache", ac.set, ac.get, ops)] if ac is not None and env["addresses"] else [])


# -- main ---------------------------------------------------------------------------------
def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--workers", type=int, default=8)
    ap.add_argument("--requests", type=int, default=300, help="requests per worker per phase")
    ap.add_argument("--distinct", type=int, default=3000, help="distinct arrays in the zipf universe")
    ap.add_argument("--zipf", type=float, default=1.1)
    ap.add_argument("--compute-ms", type=float, default=20)
    ap.add_argument("--latency-ops", type=int, default=500, help="set+get pairs per system")
    ap.add_argument("--nodes", type=int, default=2)
    ap.add_argument("--json", help="also write the results here")
    args = ap.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="ac-pybench."))
    procs: List[Any] = []
    try:
        r = Redis(workdir)
        procs.append(r)
        nodes: List[Node] = []
        for n in range(args.nodes):
            nodes.append(Node(workdir, f"n{n}", redis=r, seeds=nodes[:1] or None, extra=["--log.level=warn"]))
            procs.append(nodes[-1])
        env = {"redis_port": r.port, "addresses": [n.address for n in nodes]}
        systems = ["baseline"]
        if args.nodes:  # --nodes=0: the baseline and plain Redis alone (no actorcache-node needed)
            wait_members(env["addresses"], args.nodes)
            systems.append("actorcache")
        stream_rows = [run_stream(s, env, args, workdir) for s in systems]
        latency_rows = run_latency(env, args.latency_ops)
    finally:
        for p in reversed(procs):
            p.stop()
    report(stream_rows, latency_rows, args)
    if args.json:
        Path(args.json).write_text(json.dumps({"args": vars(args), "stream": stream_rows,
                                               "latency": latency_rows}, indent=1))


def wait_members(addresses: List[str], n: int) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if all(sum(1 for m in Cache([a]).members() if m.state == "alive") == n for a in addresses):
                return
        except Exception:
            pass
        time.sleep(0.05)
    raise RuntimeError("the nodes did not see each other within 30 s")


def report(stream_rows: List[Dict[str, Any]], latency_rows: List[Dict[str, Any]], args: argparse.Namespace) -> None:
    print(f"\nstream: {args.workers} workers x {args.requests} requests, zipf {args.zipf} over "
          f"{args.distinct} arrays {SHAPE} float32, compute {args.compute_ms} ms + reduction")
    print("| system | distinct | computes | per distinct | max of one | errors | cold ops/s | cold p50/p99 ms "
          "| warm ops/s | warm p50 / p95 / p99 us | dtype+shape kept (shared tier) |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for r in stream_rows:
        c, w = r["cold"], r["warm"]
        print(f"| {r['system']} | {r['distinct_arrays']} | {r['computes']} | {r['computes_per_distinct']} | "
              f"{r['max_computes_of_one_array']} | {r['errors']} | {c['ops_per_s']} | "
              f"{c['p50_us'] / 1000:.2f} / {c['p99_us'] / 1000:.2f} | {w['ops_per_s']} | "
              f"{w['p50_us']} / {w['p95_us']} / {w['p99_us']} | "
              f"{'yes' if r['shared_tier_keeps_dtype_and_shape'] else 'no'} ({r['shared_tier_returns']}) |")
    print(f"\nlatency: {args.latency_ops} x (set + get) of one {SHAPE} float32 array, one process")
    print("| system | ops | total s | success | error rate | set p50 us | get p50 us | p95 us | p99 us |")
    print("|---|---|---|---|---|---|---|---|---|")
    for r in latency_rows:
        print(f"| {r['system']} | {r['operations']} | {r['total_s']} | {r['success']} | {r['error_rate']} | "
              f"{r['set_p50_us']} | {r['get_p50_us']} | {r['p95_us']} | {r['p99_us']} |")


if __name__ == "__main__":
    main()
