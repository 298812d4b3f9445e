#!/usr/bin/env bash
# Small GETs' latency on a node that is busy sending 120 KB tensors from other connections: two builds, interleaved rounds.
#
# Usage: bench/tensor_contention.sh OLD_NODE NEW_NODE [ROUNDS]   (NODE_ARGS adds node options)
# Why: an I/O loop answers a GET from the store of the key's shard under that shard's lock. A
# tensor hit held the lock for its whole send (tens of microseconds); another loop or the shard
# actor that wanted the lock meanwhile waited or took the slower message path. This measures
# what that does to everybody else: redis-benchmark reads 100 tensors of 120 KB from 8
# connections in the background while one connection GETs small keys, one at a time; the rows
# are that connection's rps, p50 and p99 (ms). Run with NODE_ARGS=--resp.io-threads=2 so two
# loops share the shards, as on any machine with more than two cores.
set -euo pipefail
old=$1 new=$2
rounds=${3:-3}
work=$(mktemp -d /tmp/ac-bench.XXXXXX)
# shellcheck source=bench/servers.sh
. "$(dirname "$0")/servers.sh"
start_redis # wait_for_servers asks it; the rows are the nodes'
read -r -a node_args <<<"${NODE_ARGS:-}"
start_node old "$old" "${node_args[@]}"
start_node new "$new" "${node_args[@]}"
wait_for_servers old new
for who in old new; do
  p=$(node_port "$who")
  redis-benchmark -p "$p" -t set -n 300 -r 100 -d 122880 -c 10 -q >/dev/null 2>&1
  redis-benchmark -p "$p" -n 30000 -r 10000 -c 50 -P 16 -q SET small:__rand_int__ vvvvvvvvvvvvvvvv \
    >/dev/null 2>&1
done
order=(old new)
for r in $(seq "$rounds"); do
  for who in "${order[@]}"; do
    p=$(node_port "$who")
    redis-benchmark -p "$p" -t get -n 100000000 -r 100 -d 122880 -c 8 -q >/dev/null 2>&1 &
    load=$!
    sleep 1 # the tensor load is under way
    row=$(redis-benchmark -p "$p" -n 20000 -r 10000 -c 1 --csv GET small:__rand_int__ 2>/dev/null | tail -1)
    kill "$load" 2>/dev/null
    wait "$load" 2>/dev/null || true
    # "test","rps","avg","min","p50","p95","p99","max"
    echo "$r $who $(echo "$row" | awk -F'"' '{print $4, $10, $14}')" | tee -a "$work/rows"
  done
  order=("${order[@]:1}" "${order[0]}")
done
awk "$awk_median"'
  { n[$2]++; rps[$2, n[$2]] = $3; p50[$2, n[$2]] = $4; p99[$2, n[$2]] = $5 }
  END {
    split("old new", who, " ")
    for (w = 1; w <= 2; w++) { k = n[who[w]]
      for (i = 1; i <= k; i++) { a[i] = rps[who[w], i]; b[i] = p50[who[w], i]; c[i] = p99[who[w], i] }
      printf "%-3s small GETs under tensor load: rps median %.0f, p50 %.3f ms, p99 %.3f ms (%d rounds)\n", who[w], median(a, k), median(b, k), median(c, k), k }
  }' "$work/rows"
