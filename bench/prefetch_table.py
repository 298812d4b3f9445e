#!/usr/bin/env python3
"""Tables of bench/PREFETCH.md: demand hit rate with and without predictive prefetch on misses
(core/successor_predictor, as the node runs it: warming.predictive-*) on the shared LIRS traces
and on zipf-with-sequences streams, for LRU and W-TinyLFU; the gain in points, prefetches per
100 accesses (extra L2 reads) and their accuracy (share read before eviction); then the
decision rule: a clear gain on the sequence stream, no trace row below -0.3 points.

usage: bench/prefetch_table.py [SIM] [TRACE_DIR] [-- extra sim flags, e.g. --prefetch-observe=all]
  SIM        actorcache-sim binary (default build/bin/actorcache-sim)
  TRACE_DIR  directory of <name>.trace.gz (default ../shared/data/traces)
"""
import gzip, json, subprocess, sys

args = sys.argv[1:]
extra = []
if "--" in args:
    extra = args[args.index("--") + 1:]
    args = args[:args.index("--")]
SIM = args[0] if len(args) > 0 else "build/bin/actorcache-sim"
TRACES = args[1] if len(args) > 1 else "../shared/data/traces"
NAMES = ["loop", "multi1", "sprite", "gli", "2_pools", "cs", "ps"]
# Partitions: 1 = a single node's predictor; 3 = each node of a 3-node cluster sees a third.
PARTS = "1,3"
# zipf-with-sequences: 1000 instruments x 100 windows, Zipf 0.9, 70% of requests followed by the
# next window; one client, then four whose runs interleave.
SEQ = ["--zipf=0.9", "--keys=1000", "--windows=100", "--requests=1000000"]


def run(flags, stdin=None):
    out = subprocess.run([SIM, "--prefetch", "--json", "--policy=lru,wtinylfu",
                          "--partitions=" + PARTS] + flags + extra,
                         input=stdin, capture_output=True, check=True)
    return json.loads(out.stdout)


def rows(name, result):
    for r in result["results"]:
        yield dict(r, name=name)


def table(title, all_rows):
    print(f"\n### {title}\n")
    print("| stream | capacity | parts | policy | without | with | gain (points) | prefetches / 100 reads | accuracy |")
    print("|---|---|---|---|---|---|---|---|---|")
    for r in all_rows:
        print(f"| {r['name']} | {r['capacity']} | {r['partitions']} | {r['policy']} | "
              f"{100 * r['hit_rate']:.2f} | {100 * r['hit_rate_prefetch']:.2f} | "
              f"{r['gain_points']:+.2f} | {100 * r['prefetches'] / r['accesses']:.2f} | "
              f"{100 * r['accuracy']:.1f}% |")


def main():
    trace_rows, seq_rows = [], []
    config = None
    for name in NAMES:
        with gzip.open(f"{TRACES}/{name}.trace.gz") as f:
            data = f.read()
        caps = "512" if name == "loop" else "500,1000"
        res = run(["--trace=-", "--format=lirs", "--capacity=" + caps], data)
        config = res["prefetch"]
        for r in rows(name, res):
            r["accesses"] = data.count(b"\n")
            trace_rows.append(r)
    for streams in (1, 4):
        res = run(SEQ + [f"--streams={streams}", "--capacity=500,1000,5000"])
        for r in rows(f"zipf-seq x{streams}", res):
            r["accesses"] = 1000000
            seq_rows.append(r)
    print(f"prefetch settings: {json.dumps(config)}; extra flags: {' '.join(extra) or 'none'}")
    table("Shared traces", trace_rows)
    table("zipf-with-sequences", seq_rows)
    worst = min(trace_rows, key=lambda r: r["gain_points"])
    seq_single = [r for r in seq_rows if r["partitions"] == 1]
    print(f"\nworst trace row: {worst['name']}@{worst['capacity']} parts {worst['partitions']} "
          f"{worst['policy']} {worst['gain_points']:+.2f} points")
    print(f"sequence stream, one partition: gains {min(r['gain_points'] for r in seq_single):+.2f} "
          f"to {max(r['gain_points'] for r in seq_single):+.2f} points")
    pays = worst["gain_points"] >= -0.3 and min(r["gain_points"] for r in seq_single) >= 1.0
    print("decision: " + ("pays (on by default)" if pays else "does not pay (off by default)"))


main()
