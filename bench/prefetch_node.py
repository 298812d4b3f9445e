#!/usr/bin/python3
"""Predictive warming end to end: a real node and redis-server, the zipf-with-sequences stream
over RESP, warming.predictive on and off; the node's own L1 hit rate (INFO keyspace_hits /
keyspace_misses), the prefetch counters and the client's mean GET latency.

The stream is the simulator's (`actorcache-sim --zipf=A --keys=N --windows=W`), regenerated
here with numpy: N instruments by Zipf popularity, W windows each, a request followed by the
next window of its instrument with chance FOLLOW, S clients' runs interleaved. Every key is
first SET through a node (so Redis, the L2, holds them all), then a fresh node with a cold L1
and cache.max-entries=CAP replays the stream, one GET at a time on one connection.

Run from the repository root after building actorcache-node (about a minute):
    /usr/bin/python3 bench/prefetch_node.py [--requests 100000 --capacity 5000 --streams 1]
"""
import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import redis

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "clients" / "python" / "tests"))
from procs import Node, Redis  # noqa: E402


def stream(a):
    rng = np.random.default_rng(a.seed)
    weights = 1.0 / np.arange(1, a.instruments + 1) ** a.alpha
    weights /= weights.sum()
    starts = rng.choice(a.instruments, size=a.requests, p=weights)
    walkers = [None] * a.streams
    out = []
    for i in range(a.requests):
        s = int(rng.integers(a.streams))
        w = walkers[s]
        if w is not None and w[1] + 1 < a.windows and rng.random() < a.follow:
            w = (w[0], w[1] + 1)
        else:
            w = (int(starts[i]), int(rng.integers(a.windows)))
        walkers[s] = w
        out.append(f"feat:inst-{w[0]}:win-{w[1]}")
    return out


def info(r):
    i = r.info("stats")
    return {k: int(i.get(k, 0)) for k in ("keyspace_hits", "keyspace_misses", "actorcache_prefetches",
                                          "actorcache_prefetch_hits", "actorcache_l2_hits")}


def replay(workdir, srv, keys, a, predictive):
    # A boolean flag only switches on (CAF): "off" goes through a config file.
    ini = workdir / f"predictive-{predictive}.ini"
    ini.write_text(f"[warming]\npredictive={'true' if predictive else 'false'}\n" + a.ini.replace("\\n", "\n"))
    node = Node(workdir, f"n-{'on' if predictive else 'off'}", srv,
                extra=[f"--config-file={ini}", f"--cache.max-entries={a.capacity}", "--cache.shards=2",
                       "--log.level=warn"])
    try:
        r = redis.Redis(host="127.0.0.1", port=node.resp_port, socket_timeout=10)
        before = info(r)
        start = time.perf_counter()
        for k in keys:
            r.get(k)
        seconds = time.perf_counter() - start
        time.sleep(0.5)  # the metrics actor pulls counters every second
        deadline = time.time() + 5
        after = info(r)
        while time.time() < deadline and after["keyspace_hits"] + after["keyspace_misses"] < len(keys):
            time.sleep(0.2)
            after = info(r)
        d = {k: after[k] - before[k] for k in after}
        lookups = d["keyspace_hits"] + d["keyspace_misses"]
        return dict(hit_rate=100.0 * d["keyspace_hits"] / max(lookups, 1), lookups=lookups,
                    prefetches=d["actorcache_prefetches"], prefetch_hits=d["actorcache_prefetch_hits"],
                    mean_us=1e6 * seconds / len(keys))
    finally:
        node.stop()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--instruments", type=int, default=1000)
    p.add_argument("--windows", type=int, default=100)
    p.add_argument("--alpha", type=float, default=0.9)
    p.add_argument("--follow", type=float, default=0.7)
    p.add_argument("--streams", type=int, default=1)
    p.add_argument("--requests", type=int, default=100000)
    p.add_argument("--capacity", type=int, default=5000)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--ini", default="", help="more [warming] lines, e.g. 'predictive-confidence=1.0'")
    p.add_argument("--order", default="off,on", help="runs in this order, e.g. on,off,on,off")
    a = p.parse_args()
    keys = stream(a)
    with tempfile.TemporaryDirectory(prefix="ac-prefetch-") as d:
        workdir = Path(d)
        srv = Redis(workdir)
        try:
            loader = Node(workdir, "loader", srv, extra=["--log.level=warn"])
            try:
                r = redis.Redis(host="127.0.0.1", port=loader.resp_port, socket_timeout=10)
                pipe = r.pipeline(transaction=False)
                for i, k in enumerate(sorted(set(keys))):
                    pipe.set(k, b"x" * 100)
                    if i % 1000 == 999:
                        pipe.execute()
                pipe.execute()
            finally:
                loader.stop()
            print(f"{len(keys)} GETs, {len(set(keys))} distinct keys, streams {a.streams}, "
                  f"cache.max-entries {a.capacity}")
            print("| warming.predictive | L1 hit rate | prefetches / 100 GETs | prefetch hits | mean GET (us) |")
            print("|---|---|---|---|---|")
            for predictive in (run == "on" for run in a.order.split(",")):
                res = replay(workdir, srv, keys, a, predictive)
                print(f"| {'on' if predictive else 'off'} | {res['hit_rate']:.2f}% | "
                      f"{100.0 * res['prefetches'] / len(keys):.2f} | {res['prefetch_hits']} | "
                      f"{res['mean_us']:.0f} |", flush=True)
        finally:
            srv.stop()


main()
