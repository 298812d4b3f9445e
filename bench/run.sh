#!/usr/bin/env bash
# bench/run.sh: builds Release, runs redis-server and actorcache-node side by side on loopback, prints and saves the comparison.
#
# Usage: bench/run.sh            (env: BUILD_DIR, OUT=bench/results.json, SCALE=1 (request counts),
#                                 RESP_ROUNDS=3 (rounds of the redis-benchmark side by side),
#                                 SKIP_BUILD=1, NODE_ARGS="--scheduler.max-threads=2 ...",
#                                 CLIENT_ARGS="--scheduler.policy=... ...", INPROC_ARGS="...", LABEL=text)
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD_DIR=${BUILD_DIR:-$ROOT/build-bench}
OUT=${OUT:-$ROOT/bench/results.json}
SCALE=${SCALE:-1}
NODE_ARGS=${NODE_ARGS:-}
CLIENT_ARGS=${CLIENT_ARGS:-}
INPROC_ARGS=${INPROC_ARGS:-}
LABEL=${LABEL:-defaults}
KEYS=100000
VALUE=100
BIN=$BUILD_DIR/bin

if [[ -z "${SKIP_BUILD:-}" ]]; then
  cmake -S "$ROOT" -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release > /dev/null
  cmake --build "$BUILD_DIR" -j2 --target actorcache-node actorcache-client inprocess_get_many
fi

RAW=$(mktemp -d /tmp/acbench.XXXXXX)
REDIS_PID=""
NODE_PID=""
cleanup() {
  [[ -n "$NODE_PID" ]] && kill "$NODE_PID" 2> /dev/null && wait "$NODE_PID" 2> /dev/null || true
  [[ -n "$REDIS_PID" ]] && kill "$REDIS_PID" 2> /dev/null && wait "$REDIS_PID" 2> /dev/null || true
  rm -rf "$RAW"
}
trap cleanup EXIT INT TERM

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
n() { python3 -c "print(max(1, int($1 * $SCALE)))"; }

echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)

# -- servers -------------------------------------------------------------------------------
RPORT=$(free_port)
redis-server --port "$RPORT" --bind 127.0.0.1 --save "" --appendonly no --protected-mode no \
  --logfile "$RAW/redis.log" &
REDIS_PID=$!
"$BIN/actorcache-node" --node.port=0 --node.port-file="$RAW/port" --cache.default-ttl=3600s \
  --log.level=warn $NODE_ARGS 2> "$RAW/node.log" &
NODE_PID=$!
for _ in $(seq 100); do
  [[ -s "$RAW/port" ]] && redis-cli -p "$RPORT" ping > /dev/null 2>&1 && break
  sleep 0.1
done
NPORT=$(cat "$RAW/port")
echo "redis-server pid $REDIS_PID port $RPORT; actorcache-node pid $NODE_PID port $NPORT" >&2

# -- preload the same keys (key:000000000000 .. key:000000099999, 100-byte values) ----------
python3 - "$KEYS" "$VALUE" > "$RAW/preload.resp" << 'EOF'
import sys
keys, size = int(sys.argv[1]), int(sys.argv[2])
v = "v" * size
out = sys.stdout
for i in range(keys):
    k = "key:%012d" % i
    out.write("*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n" % (len(k), k, size, v))
EOF
redis-cli -p "$RPORT" --pipe < "$RAW/preload.resp" > /dev/null
echo "redis keys: $(redis-cli -p "$RPORT" dbsize)" >&2
CLIENT=("$BIN/actorcache-client" "--node=127.0.0.1:$NPORT")
"${CLIENT[@]}" load --get-ratio=0 --sequential --keys=$KEYS --requests=$KEYS --key-prefix=key: \
  --key-width=12 --value-size=$VALUE --ttl=3600 --clients=8 --window=32 --json $CLIENT_ARGS \
  > "$RAW/ac_preload.json"
echo "actorcache preload: $(cat "$RAW/ac_preload.json")" >&2

# -- side by side ------------------------------------------------------------------------
RB=(redis-benchmark -h 127.0.0.1 -p "$RPORT" -r $KEYS --csv)
AC=("${CLIENT[@]}" load --get-ratio=1 --keys=$KEYS --key-prefix=key: --key-width=12 --json)
MGET=(MGET key:__rand_int__ key:__rand_int__ key:__rand_int__ key:__rand_int__ key:__rand_int__
      key:__rand_int__ key:__rand_int__ key:__rand_int__ key:__rand_int__ key:__rand_int__)

run_row() {  # name, redis args..., --, actorcache args...
  local name=$1; shift
  local rargs=() aargs=()
  while [[ $1 != -- ]]; do rargs+=("$1"); shift; done; shift
  aargs=("$@")
  echo "row $name: redis-benchmark ${rargs[*]}" >&2
  "${RB[@]}" "${rargs[@]}" > "$RAW/redis_$name.csv"
  echo "row $name: actorcache-client load ${aargs[*]}" >&2
  "${AC[@]}" "${aargs[@]}" $CLIENT_ARGS > "$RAW/ac_$name.json" || true
}

run_row get_c1_w1 -t get -d $VALUE -c 1 -P 1 -n "$(n 20000)" -- \
  --clients=1 --window=1 --requests="$(n 10000)"
run_row get_c50_w1 -t get -d $VALUE -c 50 -P 1 -n "$(n 200000)" -- \
  --clients=50 --window=1 --requests="$(n 100000)"
run_row get_c50_w16 -t get -d $VALUE -c 50 -P 16 -n "$(n 1000000)" -- \
  --clients=50 --window=16 --requests="$(n 300000)"
run_row mget10_c50 -c 50 -P 1 -n "$(n 100000)" "${MGET[@]}" -- \
  --clients=50 --window=1 --batch=10 --requests="$(n 50000)"

echo "in-process: inprocess_get_many $INPROC_ARGS" >&2
"$BIN/inprocess_get_many" --bench.json --bench.keys=$KEYS --bench.value-size=$VALUE $INPROC_ARGS \
  > "$RAW/inproc.json" || true
# The first run bounds every request by a 10 s deadline the client keeps itself (as
# clients/cpp/cluster_client does); this one sends without any timeout, to show what the
# deadlines cost.
"$BIN/inprocess_get_many" --bench.json --bench.keys=$KEYS --bench.value-size=$VALUE --bench.infinite \
  $INPROC_ARGS > "$RAW/inproc_no_timeout.json" || true

# -- the same client against both: redis-benchmark on redis-server and on a node's RESP port ----
# (GET -c 1, -c 50, -c 50 -P 16, SET -c 50, GET of 120 KB values -c 10; its own servers, rounds
# interleaved; bench/resp_vs_redis.sh)
echo "redis-benchmark side by side: bench/resp_vs_redis.sh (ROUNDS=${RESP_ROUNDS:-3})" >&2
ROUNDS=${RESP_ROUNDS:-3} RESULT="$RAW/resp_vs_redis.json" "$ROOT/bench/resp_vs_redis.sh" "$BUILD_DIR" \
  > "$RAW/resp_vs_redis.txt" 2>&1 || true

LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)
python3 "$ROOT/bench/report.py" "$RAW" "$OUT" "$LABEL" "$LOAD_BEFORE" "$LOAD_AFTER" \
  "NODE_ARGS=$NODE_ARGS CLIENT_ARGS=$CLIENT_ARGS INPROC_ARGS=$INPROC_ARGS"
