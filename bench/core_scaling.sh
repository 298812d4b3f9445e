#!/usr/bin/env bash
# Throughput by cores: a node pinned to 1, 2, 4, 8 ... cores against redis-server on one, same redis-benchmark, interleaved; medians.
#
# Made for the many-core device machine, where Debian's packages are absent: run it on a bundle
# made by ../shared/tools/portable-bundle.sh (its `x` wrapper runs the bundled programs):
#   ../shared/tools/portable-bundle.sh build/devbundle build/bin/actorcache-node build/bin/inprocess_get_many
#   bench/core_scaling.sh build/devbundle            (on the device: carry build/devbundle)
# Without a bundle argument it runs the programs of BUILD (default build) and the system's Redis.
# Env: CORES="1 2 4 8" (node cores; default doubles up to the machine's cores minus CLIENT_CORES),
#      CLIENT_CORES=4 (the last cores, where redis-benchmark runs), ROUNDS=3, N=100000 keys,
#      OUT=file.csv (the raw rows; also printed),
#      NODE_ARGS="--scheduler.max-threads=16" (more options for the node and inprocess_get_many,
#      e.g. to check core/sizing_rules default_scheduler_threads' cap of 4 against one per core).
# The node sizes its threads by the cores it may use (INFO actorcache_cores), so `taskset` alone
# sets its loops, shards and workers. Rows: GET -c 50 -P 16 (--threads 2), GET -c 200 -P 16
# --threads 4, GET -c 1 (p50), and in-process get_many with 8 client actors (node cores only),
# through the front and routed by the clients (--bench.routed).
set -euo pipefail
cd "$(dirname "$0")/.."
BUNDLE=${1:-}
BUILD=${BUILD:-build}
prog() { # NAME -> the command that runs it (word-split on purpose: "BUNDLE/x NAME")
  if [ -n "$BUNDLE" ]; then echo "$BUNDLE/x $1"
  elif [[ $1 == redis-* ]]; then echo "$1"
  else echo "$BUILD/bin/$1"; fi
}
total=$(nproc)
CLIENT_CORES=${CLIENT_CORES:-4}
if (( total <= CLIENT_CORES )); then CLIENT_CORES=1; fi
node_max=$(( total - CLIENT_CORES ))
if [ -z "${CORES:-}" ]; then
  CORES=""; c=1
  while (( c <= node_max )); do CORES="$CORES $c"; c=$(( c * 2 )); done
  (( node_max & (node_max - 1) )) && CORES="$CORES $node_max"
fi
ROUNDS=${ROUNDS:-3}
N=${N:-100000}
client_set="$(( total - CLIENT_CORES ))-$(( total - 1 ))"
work=$(mktemp -d /tmp/ac-scaling.XXXXXX)
OUT=${OUT:-$work/rows.csv}
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done; rm -rf "$work"; }
trap cleanup EXIT
port_in() { # file -> port, waiting up to 10 s for it
  for _ in $(seq 100); do [ -s "$1" ] && cat "$1" && return; sleep 0.1; done
  echo "core_scaling: no port in $1" >&2; exit 1
}
# shellcheck source=bench/interleave.sh
. bench/interleave.sh
# shellcheck disable=SC2046
measure() { # port, args... -> "rps,p50_ms"
  taskset -c "$client_set" $(prog redis-benchmark) -p "$1" "${@:2}" -q --csv 2>/dev/null |
    tail -1 | awk -F'"' '{print $4","$10}'
}
# shellcheck disable=SC2046
preload() {
  taskset -c "$client_set" $(prog redis-benchmark) -p "$1" -t set -n $((N * 3)) -r "$N" -d 100 \
    -c 50 -P 16 -q >/dev/null 2>&1
}

# Redis: one core (it serves commands on one thread), measured once per round beside the node.
rport_file=$work/redis.port
rport=$(awk 'BEGIN{srand(); print 20000 + int(rand() * 20000)}')
# shellcheck disable=SC2046
taskset -c 0 $(prog redis-server) --port "$rport" --bind 127.0.0.1 --save "" --appendonly no \
  >"$work/redis.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do (echo PING; sleep 0.1) | timeout 1 bash -c "cat > /dev/tcp/127.0.0.1/$rport" 2>/dev/null && break; sleep 0.1; done
preload "$rport"

declare -A rows=(
  [p16_c50]="-t get -n 2000000 -c 50 -P 16 --threads 2 -r $N"
  [p16_c200]="-t get -n 2000000 -c 200 -P 16 --threads 4 -r $N"
  [c1]="-t get -n 20000 -c 1 -r $N"
)
echo "row,who,cores,round,rps,p50_ms" >"$OUT"
for cores in $CORES; do
  set_of="0-$(( cores - 1 ))"
  rm -f "$work/node.port"
  # shellcheck disable=SC2046,SC2086
  taskset -c "$set_of" $(prog actorcache-node) --node.port=0 --resp.port=0 \
    --resp.port-file="$work/node.port" --cache.max-bytes=1073741824 --log.level=warn \
    ${NODE_ARGS:-} >"$work/node.log" 2>&1 &
  npid=$!
  pids+=($npid)
  nport=$(port_in "$work/node.port")
  preload "$nport"
  for round in $(seq "$ROUNDS"); do
    interleave "$round" "$OUT" "$cores," p16_c50 p16_c200 c1
    # In-process get_many through the front, then with the clients asking the shards
    # themselves (actors/routed_reads).
    for routed in "" --bench.routed; do
      row=inproc_get_many
      [ -n "$routed" ] && row=inproc_routed
      # shellcheck disable=SC2046,SC2086
      lps=$(taskset -c "$set_of" $(prog inprocess_get_many) --bench.json --bench.clients=8 \
        $routed --bench.seconds=2 --bench.keys="$N" ${NODE_ARGS:-} 2>/dev/null |
        sed -n 's/.*"lookups_per_s": *\([0-9]*\).*/\1/p')
      echo "$row,node,$cores,$round,${lps:-0},0" >>"$OUT"
    done
  done
  kill "$npid"; wait "$npid" 2>/dev/null || true
done
cat "$OUT"
# Medians per row and cores (Redis's rows pooled over every cores step), and node over Redis.
# Plain awk (the device may have no gawk): a few values per key, sorted by insertion.
awk -F, '
  function median(list,   n, a, i, j, t) {
    n = split(substr(list, 2), a, " ")
    for (i = 2; i <= n; i++) { t = a[i] + 0; for (j = i - 1; j >= 1 && a[j] + 0 > t; j--) a[j + 1] = a[j]; a[j + 1] = t }
    return (n % 2) ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
  }
  NR > 1 { k = $1 SUBSEP $2 SUBSEP ($2 == "redis" ? 1 : $3); rps[k] = rps[k] " " $5; p50[k] = p50[k] " " $6
           if ($2 == "node" && !seen[$1 SUBSEP $3]++) order[++n] = $1 SUBSEP $3 }
  END {
    printf "%-16s %5s %12s %12s %6s %9s %9s\n", "row", "cores", "node rps", "redis rps", "ratio", "node p50", "redis p50"
    for (i = 1; i <= n; i++) {
      split(order[i], f, SUBSEP); nk = f[1] SUBSEP "node" SUBSEP f[2]; rk = f[1] SUBSEP "redis" SUBSEP 1
      nr = median(rps[nk]); rr = (rk in rps) ? median(rps[rk]) : 0
      printf "%-16s %5s %12.0f %12s %6s %9s %9s\n", f[1], f[2], nr, rr ? sprintf("%.0f", rr) : "-",
             rr ? sprintf("%.2f", nr / rr) : "-", median(p50[nk]), (rk in p50) ? median(p50[rk]) : "-"
    }
  }' "$OUT"
