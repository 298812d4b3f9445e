#!/usr/bin/env bash
# redis-benchmark against redis-server and against a node's RESP port, same client, same run, interleaved; medians and ratios.
#
# Usage: bench/resp_vs_redis.sh [BUILD_DIR]   (ROUNDS=3 by default; RESULT=file.json to keep the JSON)
# Rows (100,000 keys of 100 B; 120 KB values on 100 keys): GET -c 1 (p50), GET -c 50, GET -c 50 -P 16,
# SET -c 50 (the node without L2), GET of 120 KB values -c 10. Each row runs once against Redis and once
# against the node per round, alternating which goes first, so drift on a shared box hits both.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build}
ROUNDS=${ROUNDS:-3}
N=${N:-100000}
work=$(mktemp -d /tmp/ac-bench.XXXXXX)
# shellcheck source=bench/servers.sh
. bench/servers.sh
start_redis
start_node node "$BUILD/bin/actorcache-node"
wait_for_servers node
rport=$redis_port
nport=$(node_port node)
# Both hold the same keys.
for p in "$rport" "$nport"; do preload "$p" "$N"; done

# shellcheck source=bench/interleave.sh
. bench/interleave.sh
measure() { # port, args... -> "rps,p50"
  redis-benchmark -p "$1" "${@:2}" -q --csv 2>/dev/null | tail -1 | awk -F'"' '{print $4","$10}'
}
declare -A rows=(
  [get_c1]="-t get -n 20000 -c 1 -r $N"
  [get_c50]="-t get -n 200000 -c 50 -r $N"
  [get_c50_p16]="-t get -n 1000000 -c 50 -P 16 -r $N"
  [set_c50]="-t set -n 200000 -c 50 -r $N -d 100"
  [get_120k_c10]="-t get -n 5000 -c 10 -r 100 -d 122880"
)
: >"$work/raw.csv"
for round in $(seq "$ROUNDS"); do
  interleave "$round" "$work/raw.csv" "" get_c1 get_c50 get_c50_p16 set_c50 get_120k_c10
done
/usr/bin/python3 - "$work/raw.csv" "${RESULT:-}" <<'PY'
import csv, json, statistics, sys
rows = {}
for name, who, rnd, rps, p50 in csv.reader(open(sys.argv[1])):
    rows.setdefault(name, {}).setdefault(who, []).append((float(rps), float(p50)))
out = {}
print(f"{'row':<14} {'redis rps':>11} {'node rps':>11} {'ratio':>6}   {'redis p50':>9} {'node p50':>9} {'ratio':>6}")
for name, d in rows.items():
    r_rps = statistics.median(x[0] for x in d["redis"]); n_rps = statistics.median(x[0] for x in d["node"])
    r_p50 = statistics.median(x[1] for x in d["redis"]); n_p50 = statistics.median(x[1] for x in d["node"])
    out[name] = {"redis_rps": r_rps, "node_rps": n_rps, "rps_ratio": n_rps / r_rps,
                 "redis_p50_ms": r_p50, "node_p50_ms": n_p50, "p50_ratio": n_p50 / r_p50 if r_p50 else None,
                 "runs": len(d["redis"])}
    print(f"{name:<14} {r_rps:>11.0f} {n_rps:>11.0f} {n_rps/r_rps:>6.2f}   {r_p50:>9.3f} {n_p50:>9.3f} {n_p50/r_p50 if r_p50 else 0:>6.2f}")
if len(sys.argv) > 2 and sys.argv[2]:
    json.dump(out, open(sys.argv[2], "w"), indent=1)
PY
