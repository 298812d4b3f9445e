#!/usr/bin/env bash
# fuzz.sh: builds every libFuzzer target of tests/fuzz with clang (fuzzer+ASan+UBSan) and runs each for a bounded time; exit 1 on any crash.
#
# Usage: scripts/fuzz.sh [TARGET...]   (default: all targets below)
# Env:   FUZZ_SECONDS  time per target (default 14)    FUZZ_OUT  build/corpus folder (default build/fuzz)
#        CXX_FUZZ      the clang++ to use (default clang++)
# The checked-in seeds in tests/fuzz/corpus/<target>/ are read only; new inputs go to
# $FUZZ_OUT/corpus/<target>, crash inputs to $FUZZ_OUT/artifacts/. Binaries are rebuilt only
# when a source is newer. Exit codes: 0 clean, 1 a target crashed/leaked/timed out, 2 setup error.
set -uo pipefail
cd "$(dirname "$(readlink -f "$0")")/.."
seconds=${FUZZ_SECONDS:-14}
out=${FUZZ_OUT:-build/fuzz}
cxx=${CXX_FUZZ:-clang++}
flags=(-std=c++17 -g -O1 -fno-omit-frame-pointer -fsanitize=fuzzer,address,undefined
       -fno-sanitize-recover=undefined -I. -I"$out/gen")
command -v "$cxx" >/dev/null || { echo "fuzz.sh: $cxx not found (apt-get install clang libfuzzer-14-dev)"; exit 2; }
mkdir -p "$out/gen" "$out/corpus" "$out/artifacts" "$out/tmp" || exit 2

# sources_of TARGET: the files (besides tests/fuzz/TARGET.cpp) it is built from, and its libraries.
sources_of() {
  case $1 in
    fuzz_entry_decoder) echo "messages/entry_codec.cpp messages/entry_encode.cpp messages/entry_render.cpp $out/gen/messages/entry.capnp.c++ -lcapnp -lkj" ;;
    fuzz_key_normalization) echo "core/key_normalization.cpp -lxxhash" ;;
    fuzz_features_key) echo "core/features.cpp" ;;
    fuzz_resp_request) echo "net/resp_reader.cpp core/resp_command_table.cpp -lhiredis" ;;
    # Hidden visibility: otherwise the clang-built copies of CAF's inline option_meta_state
    # statics interpose libcaf_core's (built by gcc) and CAF calls a null parse function.
    fuzz_config_file) echo "node/config_file_check.cpp -fvisibility=hidden -fvisibility-inlines-hidden -lcaf_core -lpthread" ;;
    *) return 1 ;;
  esac
}
corpus_of() { echo "tests/fuzz/corpus/$(case $1 in fuzz_entry_decoder) echo entry ;; *) echo "${1#fuzz_}" ;; esac)"; }

targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(fuzz_entry_decoder fuzz_key_normalization fuzz_features_key fuzz_config_file fuzz_resp_request)

# The entry decoder needs the generated Cap'n Proto code; make it here so no cmake build is needed.
if [[ " ${targets[*]} " == *" fuzz_entry_decoder "* ]] &&
   [ ! "$out/gen/messages/entry.capnp.h" -nt messages/entry.capnp ]; then
  mkdir -p "$out/gen/messages"
  capnp compile -oc++:"$out/gen" --src-prefix=. messages/entry.capnp || { echo "fuzz.sh: capnp compile failed"; exit 2; }
fi

failed=()
for t in "${targets[@]}"; do
  extra=$(sources_of "$t") || { echo "fuzz.sh: unknown target $t"; exit 2; }
  bin=$out/$t
  # Rebuild when the binary is missing or this script or any .cpp/.hpp it may use is newer.
  if [ ! -x "$bin" ] || [ scripts/fuzz.sh -nt "$bin" ] || [ -n "$(find tests/fuzz/"$t".cpp core net node messages "$out/gen" \
        \( -name '*.cpp' -o -name '*.hpp' -o -name '*.h' -o -name '*.c++' \) -newer "$bin" 2>/dev/null | head -1)" ]; then
    echo "fuzz.sh: building $t"
    # shellcheck disable=SC2086 # $extra is a list of files and -l flags
    "$cxx" "${flags[@]}" tests/fuzz/"$t".cpp $extra -o "$bin" 2>"$out/$t.build.log" ||
      { cat "$out/$t.build.log"; echo "fuzz.sh: build of $t failed"; exit 2; }
  fi
  seeds=$(corpus_of "$t")
  mkdir -p "$out/corpus/$t"
  echo "fuzz.sh: running $t for ${seconds}s (seeds: $seeds)"
  TMPDIR=$(readlink -f "$out/tmp") "$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
    -max_len=4096 -print_final_stats=1 -artifact_prefix="$out/artifacts/$t-" \
    "$out/corpus/$t" "$seeds" >"$out/$t.log" 2>&1
  rc=$?
  if [ $rc -ne 0 ]; then
    tail -40 "$out/$t.log"
    echo "fuzz.sh: $t FAILED (exit $rc); reproduce with: $bin $out/artifacts/$t-*"
    failed+=("$t")
  else
    echo "fuzz.sh: $t ok: $(grep -o 'stat::number_of_executed_units: *[0-9]*' "$out/$t.log" | grep -o '[0-9]*$') runs, corpus $(ls "$out/corpus/$t" | wc -l) new inputs"
  fi
done
rm -f "$out"/tmp/ac-fuzz-config.*.ini
[ ${#failed[@]} -eq 0 ] || { echo "fuzz.sh: crashes in ${failed[*]}"; exit 1; }
echo "fuzz.sh: all ${#targets[@]} targets ran ${seconds}s each without a crash"
