# bench/servers.sh: sourced by the side-by-side scripts; redis-server and nodes on free loopback ports, filled with the same keys, stopped at exit.
#
# The caller sets `work` (a temporary folder, removed at exit). Servers started here are stopped
# by their PIDs when the script exits.

pids=()
declare -A node_pid
stop_servers() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
  rm -rf "$work"
}
trap stop_servers EXIT

free_port() { /usr/bin/python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }

# start_redis: a redis-server without persistence; sets redis_port and redis_pid.
start_redis() {
  redis_port=$(free_port)
  redis-server --port "$redis_port" --bind 127.0.0.1 --save "" --appendonly no >"$work/redis.log" 2>&1 &
  redis_pid=$!
  pids+=("$redis_pid")
}

# start_node NAME BINARY [ARGS...]: a node (1 GiB L1, no L2 unless ARGS name one) that writes its
# RESP port to $work/NAME.port.
start_node() {
  "$2" --node.port=0 --resp.port=0 --resp.port-file="$work/$1.port" \
    --cache.max-bytes=1073741824 --log.level=warn "${@:3}" >"$work/$1.log" 2>&1 &
  node_pid[$1]=$!
  pids+=("$!")
}

# wait_for_servers NAME...: until redis-server answers and each named node has written its port
# (10 s at most; a node that never did fails its caller at node_port).
wait_for_servers() {
  local name up
  for _ in $(seq 100); do
    up=1
    for name in "$@"; do [ -s "$work/$name.port" ] || up=0; done
    [ "$up" = 1 ] && redis-cli -p "$redis_port" ping >/dev/null 2>&1 && return 0
    sleep 0.1
  done
}

node_port() { cat "$work/$1.port"; }

# preload PORT N: keys key:000000000000 .. (redis-benchmark's -r keyspace) of 100 B, the first 100
# of them 120 KB (the original workload's tensors).
preload() {
  redis-benchmark -p "$1" -t set -n $(($2 * 3)) -r "$2" -d 100 -c 50 -P 16 -q >/dev/null 2>&1
  redis-benchmark -p "$1" -t set -n 300 -r 100 -d 122880 -c 10 -q >/dev/null 2>&1
}

# ticks PID: the process's CPU so far (utime + stime, clock ticks), read before and after a run.
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

# awk_median: an awk function median(a, k) of a[1..k], for the summaries' awk programs. Plain awk
# (Debian ships mawk, which has no asort): an insertion sort of k values.
awk_median='
  function median(a, k,   i, j, t, v) {
    for (i = 1; i <= k; i++) { t = a[i]; for (j = i - 1; j >= 1 && v[j] > t; j--) v[j + 1] = v[j]; v[j + 1] = t }
    return (k % 2) ? v[(k + 1) / 2] : (v[k / 2] + v[k / 2 + 1]) / 2
  }'

# ab_summary ROWS: medians of an A/B run's rows ("ROUND WHO RPS CPU_TICKS [L2_TICKS]", WHO one of
# redis, old, new) and the new/old and new/redis ratios per round, as medians.
ab_summary() {
  awk "$awk_median"'
    { rps[$2, $1] = $3; cpu[$2, $1] = $4; l2[$2, $1] = $5; n = ($1 > n ? $1 : n) }
    END {
      split("redis old new", who, " ")
      for (w = 1; w <= 3; w++) { for (i = 1; i <= n; i++) { x[i] = rps[who[w], i]; y[i] = cpu[who[w], i]; z[i] = l2[who[w], i] }
        printf "%-5s rps median %.0f, CPU ticks per run median %.0f", who[w], median(x, n), median(y, n)
        if (w > 1 && median(z, n) > 0) printf " (+ L2 redis-server %.0f)", median(z, n)
        printf "\n" }
      for (i = 1; i <= n; i++) { x[i] = rps["new", i] / rps["old", i]; y[i] = cpu["new", i] / cpu["old", i]; z[i] = rps["new", i] / rps["redis", i] }
      printf "new/old per round: rps median %.2f, CPU median %.2f; new/redis rps median %.2f (%d rounds)\n", median(x, n), median(y, n), median(z, n), n
    }' "$1"
}
