# bench/interleave.sh: sourced by the side-by-side scripts; one round of rows against Redis and a node, alternating which goes first.

# interleave ROUND OUT TAG NAME...: runs each named row of the associative array `rows` once
# against Redis (port $rport) and once against the node ($nport) through the script's own
# `measure PORT ARGS...` (it prints "rps,p50"), Redis first in odd rounds, so drift on a shared
# box hits both; appends "NAME,WHO,TAG ROUND,rps,p50" lines to OUT.
interleave() {
  local round=$1 out=$2 tag=$3 name who port order
  shift 3
  for name in "$@"; do
    if ((round % 2)); then order="redis node"; else order="node redis"; fi
    for who in $order; do
      port=$rport
      [ "$who" = node ] && port=$nport
      # shellcheck disable=SC2086,SC2154
      echo "$name,$who,$tag$round,$(measure "$port" ${rows[$name]})" >>"$out"
    done
  done
}
