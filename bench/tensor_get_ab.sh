#!/usr/bin/env bash
# The Python client's hit path, A/B: AC.TENSOR.GET of 120 KB tensors on two node builds beside GET of the same bytes on redis-server; rps and CPU per run, medians.
#
# Usage: bench/tensor_get_ab.sh OLD_NODE NEW_NODE [ROUNDS]
# 100 tensors of 10x50x60 float32 (the feature service's; AC.TENSOR.SET on the nodes, their
# bytes SET on Redis), then redis-benchmark -n 20000 -r 100 -c 10, the order rotating every
# round. The Python client reads tensors with AC.TENSOR.GET (dtype and shape kept), so this is
# the row its users' hits follow; GET of the bytes is what plain Redis gives them.
set -euo pipefail
old=$1 new=$2 rounds=${3:-5}
work=$(mktemp -d /tmp/ac-bench.XXXXXX)
# shellcheck source=bench/servers.sh
. "$(dirname "$0")/servers.sh"
start_redis
start_node old "$old"
start_node new "$new"
wait_for_servers old new
declare -A pid port
pid[redis]=$redis_pid port[redis]=$redis_port
for who in old new; do pid[$who]=${node_pid[$who]} port[$who]=$(node_port "$who"); done
/usr/bin/python3 - "${port[redis]}" "${port[old]}" "${port[new]}" <<'PY'
import sys
import numpy as np
import redis
plain, *nodes = map(int, sys.argv[1:])
data = np.random.default_rng(1).random((10, 50, 60), dtype=np.float32).tobytes()
for i in range(100):
    redis.Redis(port=plain).set(f"key:{i:012d}", data)
for port in nodes:
    r = redis.Redis(port=port)
    for i in range(100):
        r.execute_command("AC.TENSOR.SET", f"key:{i:012d}", "float32", "10,50,60", data)
    got = r.execute_command("AC.TENSOR.GET", "key:000000000007")
    assert got[2] == data, f"node on port {port} answered another tensor"
PY
order=(redis old new)
for r in $(seq "$rounds"); do
  for who in "${order[@]}"; do
    cmd=(AC.TENSOR.GET key:__rand_int__)
    [ "$who" = redis ] && cmd=(GET key:__rand_int__)
    t0=$(ticks "${pid[$who]}")
    rps=$(redis-benchmark -p "${port[$who]}" -q --csv -n 20000 -r 100 -c 10 "${cmd[@]}" 2>/dev/null |
      tail -1 | awk -F'"' '{print $4}')
    t1=$(ticks "${pid[$who]}")
    echo "$r $who $rps $((t1 - t0))" | tee -a "$work/rows"
  done
  order=("${order[@]:1}" "${order[0]}")
done
ab_summary "$work/rows"
