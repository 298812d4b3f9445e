#!/usr/bin/env python3
"""Warming on vs off: L1 misses in the first 10 s after one of three nodes restarts under a zipf load.

Usage: /usr/bin/python3 bench/warming.py [BUILD_DIR] [--rounds 3] [--keys 20000] [--zipf 1.0] [--signal TERM|KILL]
       [--node-arg=--warming.rate=10000 ...] [--only-on]
Each round starts a fresh 3-node cluster on one redis-server (values put first, so every miss is an
L1 miss served from Redis), runs a zipf load of GETs through nodes a and b for 8 s, restarts node c
(SIGTERM by default) and counts the cluster's L1 misses (INFO keyspace_misses, summed) and lookups in
the 10 s after c is back (also per second, so a slow start of warming shows). Rounds alternate
off/on; the medians and the ratio on/off are printed. --node-arg passes an option to every node
(e.g. to measure one part of warming alone); --only-on skips the cold rounds.
"""
import argparse, os, random, signal, socket, statistics, subprocess, sys, tempfile, threading, time

import numpy as np
import redis


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def wait(pred, bound, what):
    end = time.time() + bound
    while time.time() < end:
        try:
            if pred():
                return
        except Exception:
            pass
        time.sleep(0.05)
    raise SystemExit(f"timed out waiting for {what}")


class Node:
    def __init__(self, build, work, name, redis_port, warming, seed=None, extra=()):
        self.build, self.work, self.name = build, work, name
        self.port, self.rport = free_port(), free_port()
        self.args = [f"{build}/bin/actorcache-node", f"--node.id={name}", "--node.host=127.0.0.1",
                     f"--node.port={self.port}", f"--resp.port={self.rport}", "--redis.enabled",
                     f"--redis.port={redis_port}", "--loader.kind=none", "--cache.default-ttl=600s",
                     "--cluster.heartbeat-interval=200ms", "--cluster.failure-timeout=1s",
                     "--log.level=info"] + list(extra)
        if not warming:
            # CAF's bool flags cannot be set false on the command line: a config file does it.
            ini = os.path.join(work, "no-warming.ini")
            with open(ini, "w") as f:
                f.write("[warming]\nenabled=false\n")
            self.args.append(f"--config-file={ini}")
        if seed:
            self.args.append(f'--cluster.seeds=["127.0.0.1:{seed.port}"]')
        self.proc = None

    def start(self):
        log = open(os.path.join(self.work, self.name + ".log"), "a")
        self.proc = subprocess.Popen(self.args, stdout=log, stderr=log)
        wait(lambda: redis.Redis(port=self.rport, socket_timeout=1).ping(), 15, f"node {self.name}")

    def stop(self, sig=signal.SIGTERM):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def info(self, field):
        # redis-py parses INFO into a dict of numbers.
        value = redis.Redis(port=self.rport, socket_timeout=5).info("all").get(field, 0)
        return float(value) if isinstance(value, (int, float)) else 0.0


def one_round(build, warming, keys, zipf, sig, extra):
    work = tempfile.mkdtemp(prefix="ac-warm-bench.")
    rport = free_port()
    rs = subprocess.Popen(["redis-server", "--port", str(rport), "--bind", "127.0.0.1", "--save", "",
                           "--appendonly", "no"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    nodes = []
    stop = threading.Event()
    threads = []
    try:
        wait(lambda: redis.Redis(port=rport).ping(), 10, "redis-server")
        a = Node(build, work, "a", rport, warming, None, extra); a.start(); nodes.append(a)
        b = Node(build, work, "b", rport, warming, a, extra); b.start(); nodes.append(b)
        c = Node(build, work, "c", rport, warming, a, extra); c.start(); nodes.append(c)
        wait(lambda: all(n.info("actorcache_members") == 3 for n in nodes), 15, "3 members")
        r = redis.Redis(port=a.rport, socket_timeout=10)
        for start in range(0, keys, 1000):
            p = r.pipeline(transaction=False)
            for k in range(start, min(keys, start + 1000)):
                p.set(f"key:{k}", b"x" * 100)
            p.execute()
        # Zipf ranks over the key space, shuffled so hot keys spread over every owner.
        ranks = np.arange(1, keys + 1, dtype=np.float64)
        weights = ranks ** -zipf
        weights /= weights.sum()
        order = list(range(keys))
        random.Random(7).shuffle(order)

        def load(port, seed):
            rng = np.random.default_rng(seed)
            conn = redis.Redis(port=port, socket_timeout=5)
            while not stop.is_set():
                batch = rng.choice(keys, size=200, p=weights)
                for i in batch:
                    if stop.is_set():
                        break
                    try:
                        conn.get(f"key:{order[i]}")
                    except Exception:
                        time.sleep(0.01)
        for i, n in enumerate([a, b, a, b]):
            t = threading.Thread(target=load, args=(n.rport, i), daemon=True)
            t.start()
            threads.append(t)
        time.sleep(8)
        c.stop(sig)
        wait(lambda: a.info("actorcache_members") == 2, 10, "c gone")
        time.sleep(2)  # a and b serve c's keys for a while
        c.start()
        base = {n.name: (n.info("keyspace_misses"), n.info("keyspace_hits")) for n in nodes}
        per_second = []
        for _ in range(10):
            time.sleep(1)
            per_second.append(sum(n.info("keyspace_misses") - base[n.name][0] for n in nodes))
        misses = sum(n.info("keyspace_misses") - base[n.name][0] for n in nodes)
        lookups = misses + sum(n.info("keyspace_hits") - base[n.name][1] for n in nodes)
        warmed = c.info("actorcache_warming_keys")
        seconds = [int(b - a) for a, b in zip([0] + per_second[:-1], per_second)]
        return misses, lookups, warmed, seconds
    finally:
        stop.set()
        for t in threads:
            t.join(10)
        for n in nodes:
            n.stop(signal.SIGKILL)
        rs.kill()
        rs.wait()
        if os.environ.get("KEEP"):
            print(f"logs kept in {work}", flush=True)
        else:
            subprocess.run(["rm", "-rf", work])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("build", nargs="?", default="build")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--keys", type=int, default=20000)
    ap.add_argument("--zipf", type=float, default=1.0)
    ap.add_argument("--signal", default="TERM", choices=["TERM", "KILL"])
    ap.add_argument("--node-arg", action="append", default=[], help="an option for every node")
    ap.add_argument("--only-on", action="store_true", help="warming on only (no cold rounds)")
    o = ap.parse_args()
    sig = signal.SIGTERM if o.signal == "TERM" else signal.SIGKILL
    res = {False: [], True: []}
    for i in range(o.rounds):
        order = [True] if o.only_on else [False, True] if i % 2 == 0 else [True, False]
        for warming in order:
            m, l, w, secs = one_round(o.build, warming, o.keys, o.zipf, sig, o.node_arg)
            res[warming].append((m, l, w))
            print(f"round {i + 1} warming={'on ' if warming else 'off'}: {m:.0f} misses of {l:.0f} lookups "
                  f"({100 * m / max(l, 1):.2f}%), warmed {w:.0f}; misses per second {secs}", flush=True)
    on = statistics.median(x[0] for x in res[True])
    if o.only_on:
        print(f"median L1 misses in the 10 s after the restart, warming on: {on:.0f}")
        return
    off = statistics.median(x[0] for x in res[False])
    print(f"median L1 misses in the 10 s after the restart: off {off:.0f}, on {on:.0f}: on/off = {on / max(off, 1):.2f}")


if __name__ == "__main__":
    main()
