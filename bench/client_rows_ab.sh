#!/usr/bin/env bash
# The client-actor rows of bench/run.sh for two builds, each node with its own client, interleaved rounds; medians and ratios.
#
# Usage: bench/client_rows_ab.sh BASE_BIN NEW_BIN   (folders holding actorcache-node and actorcache-client)
# Env: ROUNDS=5. Issue 13 compared the retired fast-frame port (a build of 94bbf82:
#   git worktree add /tmp/base94 94bbf82 && cmake -S /tmp/base94 -B /tmp/base94/build
#   -DCMAKE_BUILD_TYPE=Release && cmake --build /tmp/base94/build --target actorcache-node actorcache-client)
# with the RESP link: bench/client_rows_ab.sh /tmp/base94/build/bin build/bin.
# Rows: 1 client x window 1, 50 x 1, 50 x 16, 50 x get_many(10); 100,000 keys of 100 B.
set -uo pipefail
BASE=${1:?base bin folder}
NEW=${2:?new bin folder}
ROUNDS=${ROUNDS:-5}
work=$(mktemp -d /tmp/ac-rows.XXXXXX)
pid=""
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
rows=("c1w1|--clients=1 --window=1 --requests=10000"
      "c50w1|--clients=50 --window=1 --requests=100000"
      "c50w16|--clients=50 --window=16 --requests=300000"
      "gm10|--clients=50 --window=1 --batch=10 --requests=50000")
for round in $(seq "$ROUNDS"); do
  for side in "base:$BASE" "new:$NEW"; do
    name=${side%%:*}; bin=${side#*:}
    rm -f "$work/port"
    "$bin/actorcache-node" --node.port=0 --node.port-file="$work/port" --cache.default-ttl=3600s \
      --log.level=warn 2>"$work/node.log" &
    pid=$!
    for _ in $(seq 100); do [ -s "$work/port" ] && break; sleep 0.1; done
    client=("$bin/actorcache-client" "--node=127.0.0.1:$(cat "$work/port")")
    "${client[@]}" load --get-ratio=0 --sequential --keys=100000 --requests=100000 --key-prefix=key: \
      --key-width=12 --value-size=100 --ttl=3600 --clients=8 --window=32 --json >/dev/null
    for row in "${rows[@]}"; do
      # shellcheck disable=SC2086
      "${client[@]}" load --get-ratio=1 --keys=100000 --key-prefix=key: --key-width=12 --json \
        ${row#*|} 2>/dev/null |
        /usr/bin/python3 -c 'import json,sys; d=json.load(sys.stdin); print(sys.argv[1], sys.argv[2], round(d["keys_per_s"]), d["p50_us"])' \
          "$name" "${row%%|*}" >>"$work/rows.txt"
    done
    kill "$pid"; wait "$pid" 2>/dev/null; pid=""
  done
done
/usr/bin/python3 - "$work/rows.txt" <<'PY'
import collections, statistics as st, sys
d = collections.defaultdict(list)
for line in open(sys.argv[1]):
    side, row, kps, p50 = line.split()
    d[(side, row)].append((float(kps), float(p50)))
print(f"{'row':8} {'base keys/s ; p50':>22} {'new keys/s ; p50':>22} {'ratio':>6}")
for row in ["c1w1", "c50w1", "c50w16", "gm10"]:
    b, n = d[("base", row)], d[("new", row)]
    if not b or not n:
        continue
    bk, nk = st.median(x[0] for x in b), st.median(x[0] for x in n)
    bp, np_ = st.median(x[1] for x in b), st.median(x[1] for x in n)
    print(f"{row:8} {bk:>14,.0f} ; {bp:5.0f} {nk:>14,.0f} ; {np_:5.0f} {nk / bk:6.2f}")
PY
