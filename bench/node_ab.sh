#!/usr/bin/env bash
# Two builds of the node and redis-server in the same run, one redis-benchmark row interleaved: rps and CPU per run, medians and ratios.
#
# Usage: bench/node_ab.sh OLD_NODE NEW_NODE [ROUNDS] -- REDIS_BENCHMARK_ARGS...
#   e.g. bench/node_ab.sh /tmp/old/actorcache-node build/bin/actorcache-node 7 -- -t get -n 1000000 -r 100000 -c 50 -P 16
# With L2=1 both nodes use a second redis-server as their L2 (redis.write-policy=sync, each under
# its own key prefix), as a deployment does; the "redis" row is still a plain redis-server, and
# the L2 server's CPU per run is reported beside the nodes' (a node's SET costs it a Redis SET).
# KEYS=N preloads N keys instead of 100,000 (pass the same N as -r); NODE_ARGS adds options to
# both nodes (e.g. NODE_ARGS=--resp.io-threads=2).
# Why CPU as well as rps: on a shared 2-core box a row's throughput swings by +-20% between
# rounds, while the server's CPU ticks (utime + stime from /proc/PID/stat) per run of the same
# work move much less; a change that saves work shows there first. All three servers hold the
# same 100,000 keys of 100 B (redis-benchmark's -r keyspace; KEYS), the first 100 of them 120 KB; the
# order rotates every round.
set -euo pipefail
old=$1 new=$2
rounds=5
shift 2
if [ "${1:-}" != "--" ]; then
  rounds=$1
  shift
fi
[ "${1:-}" = "--" ] && shift
[ $# -gt 0 ] || { echo "usage: $0 OLD_NODE NEW_NODE [ROUNDS] -- REDIS_BENCHMARK_ARGS..." >&2; exit 2; }
work=$(mktemp -d /tmp/ac-bench.XXXXXX)
# shellcheck source=bench/servers.sh
. "$(dirname "$0")/servers.sh"
start_redis
l2_args=()
if [ "${L2:-0}" = 1 ]; then
  l2_port=$(free_port)
  redis-server --port "$l2_port" --bind 127.0.0.1 --save "" --appendonly no >"$work/l2.log" 2>&1 &
  l2_pid=$!
  pids+=("$l2_pid")
  l2_args=(--redis.enabled --redis.port="$l2_port")
fi
read -r -a node_args <<<"${NODE_ARGS:-}"
start_node old "$old" "${l2_args[@]}" --redis.key-prefix=old: "${node_args[@]}"
start_node new "$new" "${l2_args[@]}" --redis.key-prefix=new: "${node_args[@]}"
wait_for_servers old new
declare -A pid port
pid[redis]=$redis_pid
port[redis]=$redis_port
for who in old new; do
  pid[$who]=${node_pid[$who]}
  port[$who]=$(node_port "$who")
done
for who in redis old new; do preload "${port[$who]}" "${KEYS:-100000}"; done

order=(redis old new)
for r in $(seq "$rounds"); do
  for who in "${order[@]}"; do
    t0=$(ticks "${pid[$who]}")
    l0=$([ -n "${l2_pid:-}" ] && ticks "$l2_pid" || echo 0)
    rps=$(redis-benchmark -p "${port[$who]}" -q --csv "$@" 2>/dev/null | tail -1 | awk -F'"' '{print $4}')
    t1=$(ticks "${pid[$who]}")
    l1=$([ -n "${l2_pid:-}" ] && ticks "$l2_pid" || echo 0)
    echo "$r $who $rps $((t1 - t0)) $((l1 - l0))" >>"$work/rows"
  done
  order=("${order[@]:1}" "${order[0]}") # who goes first rotates
done
ab_summary "$work/rows"
