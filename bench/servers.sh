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
