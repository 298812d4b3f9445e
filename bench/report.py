# bench/report.py: turns the raw outputs of bench/run.sh into the comparison table and results.json.
import csv
import json
import os
import platform
import sys

raw, out, label, load_before, load_after, args = sys.argv[1:7]

ROWS = [
    ("get_c1_w1", "GET 1 client x 1 in flight", "ops"),
    ("get_c50_w1", "GET 50 clients x 1", "ops"),
    ("get_c50_w16", "GET 50 clients x 16 (redis -P 16)", "ops"),
    ("mget10_c50", "get_many(10) 50 clients (MGET 10)", "keys"),
]
TARGETS = {  # ratio actorcache/redis the project aims at (bench/RESULTS.md)
    "get_c1_w1": ("p50 ratio <= 1.5", lambda r: r["p50_ratio"] is not None and r["p50_ratio"] <= 1.5),
    "get_c50_w1": ("throughput >= 1.0x", lambda r: r["ratio"] is not None and r["ratio"] >= 1.0),
    "get_c50_w16": ("throughput >= 0.8x", lambda r: r["ratio"] is not None and r["ratio"] >= 0.8),
    "mget10_c50": ("keys/s >= 1.0x", lambda r: r["ratio"] is not None and r["ratio"] >= 1.0),
}


def machine():
    model = "?"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return {"nproc": os.cpu_count(), "cpu_model": model, "kernel": platform.release(),
            "load_before": load_before, "load_after": load_after}


def redis_row(name):
    try:
        with open(os.path.join(raw, "redis_%s.csv" % name)) as f:
            rows = list(csv.DictReader(f))
        r = rows[-1]
        return {"ops_per_s": float(r["rps"]), "p50_us": float(r["p50_latency_ms"]) * 1000,
                "p99_us": float(r["p99_latency_ms"]) * 1000}
    except (OSError, KeyError, IndexError, ValueError):
        return None


def ac_row(name):
    try:
        with open(os.path.join(raw, "ac_%s.json" % name)) as f:
            return json.loads(f.read().strip().splitlines()[-1])
    except (OSError, ValueError, IndexError):
        return None


def ratio(a, b):
    return round(a / b, 3) if a is not None and b else None


def fmt(x, digits=0):
    if x is None:
        return "-"
    return ("{:,.%df}" % digits).format(x)


rows = []
for name, title, unit in ROWS:
    r, a = redis_row(name), ac_row(name)
    mult = 10 if unit == "keys" else 1
    row = {"row": name, "title": title, "unit": unit + "/s",
           "redis": None if r is None else {**r, "per_s": r["ops_per_s"] * mult},
           "actorcache": None if a is None else {
               "per_s": a.get("keys_per_s") if unit == "keys" else a.get("ops_per_s"),
               "ops_per_s": a.get("ops_per_s"), "p50_us": a.get("p50_us"), "p99_us": a.get("p99_us"),
               "requests": a.get("requests"), "hits": a.get("hits"), "misses": a.get("misses"),
               "errors": a.get("errors")}}
    rp = row["redis"] or {}
    ap = row["actorcache"] or {}
    row["ratio"] = ratio(ap.get("per_s"), rp.get("per_s"))
    row["p50_ratio"] = ratio(ap.get("p50_us"), rp.get("p50_us"))
    row["p99_ratio"] = ratio(ap.get("p99_us"), rp.get("p99_us"))
    text, ok = TARGETS[name]
    row["target"] = text
    row["target_met"] = bool(ok(row))
    rows.append(row)

def read_last_json(name):
    try:
        with open(os.path.join(raw, name)) as f:
            return json.loads(f.read().strip().splitlines()[-1])
    except (OSError, ValueError, IndexError):
        return None

inproc = read_last_json("inproc.json")                       # 10 s timeout per request
inproc_local = read_last_json("inproc_no_timeout.json")      # no timeout: local callers

preload = None
try:
    with open(os.path.join(raw, "ac_preload.json")) as f:
        preload = json.loads(f.read().strip().splitlines()[-1])
except (OSError, ValueError, IndexError):
    pass

m = machine()
print()
print("machine: %d cpus, %s; load before %s, after %s" % (m["nproc"], m["cpu_model"], load_before,
                                                         load_after))
print("config: %s (%s)" % (label, args))
hdr = "| %-36s | %12s | %12s | %6s | %9s | %9s | %6s | %9s | %9s | %6s | %-20s |" % (
    "row", "redis /s", "actorcache /s", "ratio", "redis p50", "ac p50", "ratio", "redis p99",
    "ac p99", "ratio", "target")
print(hdr)
print("|" + "|".join("-" * (len(c)) for c in hdr.split("|")[1:-1]) + "|")
for row in rows:
    rp = row["redis"] or {}
    ap = row["actorcache"] or {}
    print("| %-36s | %12s | %12s | %6s | %9s | %9s | %6s | %9s | %9s | %6s | %-20s |" % (
        row["title"] + (" keys" if row["unit"] == "keys/s" else ""), fmt(rp.get("per_s")),
        fmt(ap.get("per_s")), fmt(row["ratio"], 2), fmt(rp.get("p50_us")), fmt(ap.get("p50_us")),
        fmt(row["p50_ratio"], 2), fmt(rp.get("p99_us")), fmt(ap.get("p99_us")),
        fmt(row["p99_ratio"], 2), row["target"] + (" ok" if row["target_met"] else " MISSED")))
    if ap.get("misses") or ap.get("errors"):
        print("   ! actorcache %s: misses %s errors %s" % (row["row"], ap.get("misses"), ap.get("errors")))
for run, title in ((inproc, "in-process get_many(%d) lookups"),
                   (inproc_local, "  same, requests without timeout")):
    if not run:
        continue
    met = run.get("lookups_per_s", 0) >= 2e6
    print("| %-36s | %12s | %12s | %6s | %9s | %9s | %6s | %9s | %9s | %6s | %-20s |" % (
        (title % run.get("batch", 0)) if "%d" in title else title, "-",
        fmt(run.get("lookups_per_s")), "-", "-", fmt(run.get("p50_us")), "-", "-",
        fmt(run.get("p99_us")), "-", ">= 2M/s" + (" ok" if met else " MISSED")))
print()

# The same client against both servers: redis-benchmark on redis-server and on the RESP port.
resp_side_by_side = None
try:
    with open(os.path.join(raw, "resp_vs_redis.json")) as f:
        resp_side_by_side = json.load(f)
    print("redis-benchmark against redis-server and against the node's RESP port (medians):")
    print("| %-14s | %10s | %10s | %6s | %9s | %9s | %6s |" % (
        "row", "redis /s", "node /s", "ratio", "redis p50", "node p50", "ratio"))
    for name, r in resp_side_by_side.items():
        print("| %-14s | %10s | %10s | %6s | %9s | %9s | %6s |" % (
            name, fmt(r["redis_rps"]), fmt(r["node_rps"]), fmt(r["rps_ratio"], 2),
            fmt(r["redis_p50_ms"], 3), fmt(r["node_p50_ms"], 3), fmt(r["p50_ratio"], 2)))
    print()
except (OSError, ValueError, KeyError):
    pass

result = {"label": label, "args": args, "machine": m, "keys": 100000, "value_bytes": 100,
          "preload": preload, "rows": rows, "inprocess": inproc,
          "inprocess_no_timeout": inproc_local, "redis_benchmark_side_by_side": resp_side_by_side}
with open(out, "w") as f:
    json.dump(result, f, indent=2)
print("wrote %s" % out)
