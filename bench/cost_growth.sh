#!/usr/bin/env bash
# How a node's cost grows with the work: GET throughput and p99 at 10k .. 10M keys (one node), and
# at 1, 2 and 3 nodes (redis-benchmark through one member: the others' keys are forwarded once).
#
# Usage: bench/cost_growth.sh [BUILD_DIR]   (KEYS="10000 100000 1000000 10000000", NODES="1 2 3",
# CLUSTER_KEYS=100000, ROUNDS=3). Prints one CSV line per run and a table of medians at the end.
# Each key count gets a fresh node and a fresh redis-server, both filled with the same keys by
# redis-benchmark (SET -r N, 2N writes: e^-2 = 13.5% of the keys stay unset, for both), then the
# two are measured interleaved. Values are 100 B; the node's budget holds every key.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build}
KEYS=${KEYS:-"10000 100000 1000000 10000000"}
NODES=${NODES:-"1 2 3"}
CLUSTER_KEYS=${CLUSTER_KEYS:-100000}
ROUNDS=${ROUNDS:-3}
work=$(mktemp -d /tmp/ac-growth.XXXXXX)
pids=()
stop_all() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done; pids=(); }
trap 'stop_all; rm -rf "$work"' EXIT
free_port() { /usr/bin/python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }
wait_file() { for _ in $(seq 200); do [ -s "$1" ] && return 0; sleep 0.05; done; echo "no $1" >&2; return 1; }

# Both start in this shell (not in $(...)), so their PIDs are kept and stop_all ends them.
start_redis() { # sets redis_port, redis_pid
  redis_port=$(free_port)
  redis-server --port "$redis_port" --bind 127.0.0.1 --save "" --appendonly no >"$work/redis.log" 2>&1 &
  redis_pid=$!; pids+=($!)
  for _ in $(seq 100); do redis-cli -p "$redis_port" ping >/dev/null 2>&1 && break; sleep 0.05; done
}
start_nodes() { # count; sets node_port (the first node's RESP port), node_pid, after every member sees the others
  local n=$1 seed="" i
  rm -f "$work"/node*.port "$work"/resp*.port
  for i in $(seq "$n"); do
    "$BUILD/bin/actorcache-node" --node.port=0 --node.port-file="$work/node$i.port" --resp.port=0 \
      --resp.port-file="$work/resp$i.port" --cache.max-bytes=$((4 << 30)) \
      --cache.max-entries=20000000 --log.level=warn ${seed:+--cluster.seeds="$seed"} \
      >"$work/node$i.log" 2>&1 &
    pids+=($!); [ "$i" = 1 ] && node_pid=$!
    wait_file "$work/node$i.port"; wait_file "$work/resp$i.port"
    [ -z "$seed" ] && seed="[\"127.0.0.1:$(cat "$work/node1.port")\"]"
  done
  node_port=$(cat "$work/resp1.port")
  for _ in $(seq 200); do
    [ "$(redis-cli -p "$node_port" AC.MEMBERS 2>/dev/null | grep -c alive)" -ge "$n" ] && return 0
    sleep 0.05
  done
  echo "cost_growth: the $n nodes did not see each other within 10 s" >&2
  exit 1
}
fill() { redis-benchmark -p "$1" -t set -n $(($2 * 2)) -r "$2" -d 100 -c 50 -P 16 -q >/dev/null; }
run() { # port keys args... -> rps,p50,p99 (ms)
  redis-benchmark -p "$1" -r "$2" "${@:3}" -q --csv 2>/dev/null | tail -1 \
    | awk -F'"' '{print $4","$10","$14}'
}
measure() { # label keys redis_port node_port
  local label=$1 keys=$2 round who port row args
  for round in $(seq "$ROUNDS"); do
    for row in c50 p16; do
      args="-t get -n 200000 -c 50"; [ "$row" = p16 ] && args="-t get -n 1000000 -c 50 -P 16"
      for who in redis node; do
        port=$3; [ "$who" = node ] && port=$4
        [ -z "$port" ] && continue
        # shellcheck disable=SC2086
        echo "$label,$row,$who,$round,$(run "$port" "$keys" $args)" | tee -a "$work/raw.csv"
      done
    done
  done
}
: >"$work/raw.csv"
for k in $KEYS; do
  start_redis; start_nodes 1; fill "$redis_port" "$k"; fill "$node_port" "$k"
  echo "keys=$k node RSS: $(ps -o rss= -p "$node_pid") KiB, redis RSS: $(ps -o rss= -p "$redis_pid") KiB"
  measure "keys=$k" "$k" "$redis_port" "$node_port"
  stop_all
done
for c in $NODES; do
  start_nodes "$c"; fill "$node_port" "$CLUSTER_KEYS"
  measure "nodes=$c" "$CLUSTER_KEYS" "" "$node_port"
  stop_all
done
/usr/bin/python3 - "$work/raw.csv" <<'PY'
import csv, statistics, sys
runs = {}
for label, row, who, _, rps, p50, p99 in csv.reader(open(sys.argv[1])):
    runs.setdefault((label, row, who), []).append((float(rps), float(p99)))
print("| work | row | Redis rps | node rps | node/Redis | Redis p99 ms | node p99 ms |")
print("|---|---|---|---|---|---|---|")
labels = list(dict.fromkeys(k[0] for k in runs))
for label in labels:
    for row in ("c50", "p16"):
        med = {w: (statistics.median(r for r, _ in v), statistics.median(p for _, p in v))
               for (l, ro, w), v in runs.items() if l == label and ro == row}
        n = med.get("node"); r = med.get("redis")
        print(f"| {label} | {'GET -c 50' if row == 'c50' else 'GET -c 50 -P 16'} | "
              f"{r[0]:,.0f} | {n[0]:,.0f} | {n[0] / r[0]:.2f} | {r[1]:.3f} | {n[1]:.3f} |" if r else
              f"| {label} | {'GET -c 50' if row == 'c50' else 'GET -c 50 -P 16'} | – | {n[0]:,.0f} | – | – | {n[1]:.3f} |")
PY
