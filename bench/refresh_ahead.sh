#!/usr/bin/env bash
# Refresh-ahead on vs off: L1 misses, expirations and computes of a node under a zipf read load with a short TTL; interleaved runs, medians and the ratio.
#
# Usage: bench/refresh_ahead.sh [BUILD_DIR]
#   ROUNDS=3        rounds; each runs the load once with cache.refresh-ahead=ON (0.8) and once with 0,
#                   alternating which goes first, so drift on a shared box hits both
#   TTL=2s          cache.default-ttl (short, so a run spans several lifetimes)
#   COST=5ms        loader.cost of the synthetic loader (a miss waits this long)
#   KEYS=2000 ZIPF=1.1 REQUESTS=200000 CLIENTS=4 WINDOW=8   the load (all gets: a miss computes)
#   RESULT=file.json  keep the medians as JSON
# Every get of a key L1 does not hold is an L1 miss that waits for a compute (coalesced). The node
# counts as hot_misses the misses of keys that were hot (the shards' heavy hitters) when they
# missed: keys that expired while still read a lot, which refresh-ahead exists to prevent. The other
# misses (first reads, keys read less than once a TTL) are the same in both modes.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build}
ROUNDS=${ROUNDS:-3}
TTL=${TTL:-2s}
COST=${COST:-5ms}
KEYS=${KEYS:-2000}
ZIPF=${ZIPF:-1.1}
REQUESTS=${REQUESTS:-200000}
CLIENTS=${CLIENTS:-4}
WINDOW=${WINDOW:-8}
ON=${ON:-0.8}
work=$(mktemp -d /tmp/ac-bench-refresh.XXXXXX)
node_pid=""
cleanup() { [ -n "$node_pid" ] && kill "$node_pid" 2>/dev/null && wait "$node_pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

run() { # fraction round -> one CSV line
  local f=$1 round=$2
  rm -f "$work/port" "$work/rport"
  "$BUILD/bin/actorcache-node" --node.port=0 --node.port-file="$work/port" --resp.port=0 \
    --resp.port-file="$work/rport" --loader.kind=synthetic --loader.cost="$COST" --loader.workers=8 \
    --cache.default-ttl="$TTL" --cache.refresh-ahead="$f" --log.level=warn >"$work/node.log" 2>&1 &
  node_pid=$!
  for _ in $(seq 100); do [ -s "$work/port" ] && [ -s "$work/rport" ] && break; sleep 0.1; done
  [ -s "$work/port" ] || { echo "node did not start: $(cat "$work/node.log")" >&2; exit 1; }
  local addr="127.0.0.1:$(cat "$work/port")"
  "$BUILD/bin/actorcache-client" --node="$addr" load --clients="$CLIENTS" --window="$WINDOW" \
    --requests="$REQUESTS" --keys="$KEYS" --dist=zipf --zipf="$ZIPF" --get-ratio=1 --json >"$work/load.json"
  "$BUILD/bin/actorcache-console" --node="$addr" stats --json >"$work/stats.json"
  kill "$node_pid"; wait "$node_pid" 2>/dev/null || true; node_pid=""
  /usr/bin/python3 - "$f" "$round" "$work/load.json" "$work/stats.json" <<'PY'
import json, sys
f, rnd, load, stats = sys.argv[1], sys.argv[2], json.load(open(sys.argv[3])), json.load(open(sys.argv[4]))["node"]
print(",".join(str(x) for x in (f, rnd, stats["hot_misses"], stats["misses"], stats["expirations"], stats["computes"],
                                 stats.get("refresh_ahead", 0), stats["hits"], load["seconds"],
                                 load["ops_per_s"], load["p99_us"], load["p999_us"], load["errors"])))
PY
}

: >"$work/raw.csv"
for round in $(seq "$ROUNDS"); do
  if (( round % 2 )); then order="$ON 0"; else order="0 $ON"; fi
  for f in $order; do
    run "$f" "$round" | tee -a "$work/raw.csv" >&2
  done
done
/usr/bin/python3 - "$work/raw.csv" "${RESULT:-}" "$ON" <<'PY'
import csv, json, statistics, sys
cols = ["hot_misses", "misses", "expirations", "computes", "refresh_ahead", "hits", "seconds", "ops_per_s", "p99_us", "p999_us", "errors"]
runs = {}
for row in csv.reader(open(sys.argv[1])):
    runs.setdefault("on" if float(row[0]) > 0 else "off", []).append([float(x) for x in row[2:]])
med = {mode: {c: statistics.median(r[i] for r in rs) for i, c in enumerate(cols)} for mode, rs in runs.items()}
print(f"{'':16}{'refresh-ahead ' + sys.argv[3]:>20}{'off':>14}{'off / on':>10}")
for c in cols:
    on, off = med["on"][c], med["off"][c]
    ratio = f"{off / on:.2f}" if on else "-"
    print(f"{c:16}{on:>20.0f}{off:>14.0f}{ratio:>10}")
print(f"(medians of {len(runs['on'])} interleaved runs each; node totals: hot_misses = L1 misses of keys hot when they missed)")
if sys.argv[2]:
    json.dump({"rounds": len(runs["on"]), "on": med["on"], "off": med["off"]}, open(sys.argv[2], "w"), indent=1)
PY
