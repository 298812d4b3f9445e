#!/usr/bin/env bash
# The main job (README command 1): install, build, start Redis and a three-node cluster on
# loopback, send lookups from client actors, show the console's view, stop everything cleanly.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
BIN=${BUILD_DIR:-build}/bin
WORK=$(mktemp -d /tmp/actorcache-demo.XXXXXX)
PIDS=()
stop_all() {
  for p in "${PIDS[@]:-}"; do [ -n "$p" ] && kill -TERM "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]:-}"; do [ -n "$p" ] && wait "$p" 2>/dev/null || true; done
}
trap stop_all EXIT
free_port() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }
wait_port() { for _ in $(seq 1 100); do (echo >/dev/tcp/127.0.0.1/"$1") 2>/dev/null && return 0; sleep 0.1; done; echo "port $1 never opened" >&2; return 1; }

REDIS_PORT=$(free_port)
redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save "" --appendonly no >"$WORK/redis.log" 2>&1 &
PIDS+=($!); wait_port "$REDIS_PORT"
echo "== redis-server on 127.0.0.1:$REDIS_PORT (L2)"

# Three nodes from config/node{1,2,3}.ini; ports are picked free so the demo runs anywhere.
P=($(free_port) $(free_port) $(free_port))
R=($(free_port) $(free_port) $(free_port))   # their Redis-protocol (RESP) ports
HTTP_PORT=$(free_port)                       # node 1's /metrics and /dashboard
SEED="[\"127.0.0.1:${P[0]}\"]"
for i in 1 2 3; do
  port=${P[$((i-1))]}; rport=${R[$((i-1))]}
  "$BIN/actorcache-node" --config-file=config/node$i.ini --node.port="$port" --resp.port="$rport" \
    --cluster.seeds="$SEED" --redis.enabled --redis.port="$REDIS_PORT" \
    $([ "$i" = 1 ] && echo "--metrics.http-port=$HTTP_PORT") >"$WORK/node$i.log" 2>&1 &
  PIDS+=($!); wait_port "$port"; wait_port "$rport"
  echo "== node-$i on 127.0.0.1:$port, RESP on 127.0.0.1:$rport (log: $WORK/node$i.log)"
done
NODES="--node=127.0.0.1:${P[0]} --node=127.0.0.1:${P[1]} --node=127.0.0.1:${P[2]}"

echo "== waiting for the members to see each other"
for _ in $(seq 1 100); do
  alive=$("$BIN/actorcache-console" --node=127.0.0.1:${P[2]} members --json 2>/dev/null \
          | python3 -c 'import json,sys; print(sum(m["state"]=="alive" for m in json.load(sys.stdin)["members"]))' 2>/dev/null || echo 0)
  [ "$alive" = 3 ] && break; sleep 0.1
done
"$BIN/actorcache-console" --node=127.0.0.1:${P[0]} members
wait_port "$HTTP_PORT"
echo "== dashboard (every member, live charts): http://127.0.0.1:$HTTP_PORT/dashboard"
echo "   Prometheus: http://127.0.0.1:$HTTP_PORT/metrics"

echo "== one key: put on the cluster, read back from every node"
"$BIN/actorcache-client" $NODES put greeting "hello from actorcache" --ttl=60
for p in "${P[@]}"; do echo -n "node 127.0.0.1:$p says: "; "$BIN/actorcache-client" --node=127.0.0.1:$p get greeting; done

echo "== any Redis client is a cluster client: redis-cli SET on node 1, GET on node 3"
redis-cli -p "${R[0]}" SET from-redis-cli "hello over RESP" EX 60
redis-cli -p "${R[2]}" GET from-redis-cli

echo "== Python (clients/python): a feature key from a numpy array, one compute across 8 processes"
PYTHONPATH=clients/python /usr/bin/python3 - "127.0.0.1:${R[0]}" <<'PY'
import sys, time, multiprocessing as mp
import numpy as np
from actorcache import Cache, feature_key

def worker(addr, q):
    cache = Cache([addr])
    market = np.arange(10 * 50 * 60, dtype=np.float32).reshape(10, 50, 60)
    key = feature_key(market, fused_feature_dim=256, enable_fallback=True)
    def extract():
        time.sleep(0.5)                      # the expensive feature extraction
        q.put("computed")
        return (market.mean(axis=2) * 2).astype(np.float32)
    features = cache.get_or_compute(key, extract, ttl=60)
    q.put((features.dtype.name, features.shape))

q = mp.Queue()
procs = [mp.Process(target=worker, args=(sys.argv[1], q)) for _ in range(8)]
[p.start() for p in procs]
results = []
while sum(r != "computed" for r in results) < len(procs):   # every process answers once
    results.append(q.get(timeout=30))
[p.join(30) for p in procs]
while not q.empty():
    results.append(q.get(timeout=1))
print(f"computes: {results.count('computed')} for 8 processes; every process got",
      {r for r in results if r != "computed"})
PY

echo "== a miss storm: 300 client actors ask for one missing key at once (one compute cluster-wide)"
"$BIN/actorcache-client" $NODES load --clients=300 --window=1 --requests=300 --keys=1 --key-prefix=storm- --get-ratio=1

echo "== load: 20 client actors, 8 in flight each, zipf keys, 90% gets"
"$BIN/actorcache-client" $NODES load --clients=20 --window=8 --requests=50000 --keys=5000 \
  --dist=zipf --zipf=0.99 --get-ratio=0.9 --value-size=100

echo "== console: every actor of every member"
"$BIN/actorcache-console" --node=127.0.0.1:${P[0]} stats --all

echo "== the dashboard showed all of this at http://127.0.0.1:$HTTP_PORT/dashboard"
if [ -n "${DEMO_HOLD:-}" ]; then
  echo "== DEMO_HOLD is set: the cluster keeps running for ${DEMO_HOLD} s so the dashboard can be watched"
  sleep "$DEMO_HOLD"
fi

echo "== stopping (SIGTERM: leave the cluster, finish in-flight requests, exit 0)"
rc=0
for i in 3 2 1; do
  pid=${PIDS[$i]}
  kill -TERM "$pid"; wait "$pid" || rc=$?
done
kill -TERM "${PIDS[0]}" 2>/dev/null; wait "${PIDS[0]}" 2>/dev/null || true
PIDS=()
[ "$rc" = 0 ] && echo "== all nodes exited 0" || { echo "a node exited $rc" >&2; exit 1; }
