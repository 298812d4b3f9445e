#!/usr/bin/env bash
# Installs the C++ client library, builds the example program as a user's own CMake project
# would (find_package(actorcache), target actorcache::actorcache_client, nothing from the source
# tree), and runs it against a real node: four threads, one compute; and the actor-level example
# (its headers installed under include/actorcache): four client actors, one compute.
# usage: check_find_package.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build=$(cd "$1" && pwd)
src=$(cd "$2" && pwd)
work=$(mktemp -d /tmp/ac-install-test.XXXXXX)
node_pid=""
cleanup() {
  if [[ -n "$node_pid" ]]; then
    kill "$node_pid" 2>/dev/null || true
    wait "$node_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

timeout 120 cmake --install "$build" --prefix "$work/prefix" > "$work/install.log" \
  || { cat "$work/install.log" >&2; fail "cmake --install"; }
[[ -f "$work/prefix/lib/cmake/actorcache/actorcacheConfig.cmake" ]] || fail "no package config installed"

mkdir -p "$work/user"
cp "$src/clients/cpp/examples/get_or_compute.cpp" "$src/clients/cpp/examples/actor_get_or_compute.cpp" \
  "$work/user/"
cat > "$work/user/CMakeLists.txt" <<'CMAKE'
cmake_minimum_required(VERSION 3.25)
project(user_of_actorcache CXX)
set(CMAKE_CXX_STANDARD 17)
find_package(actorcache 0.1 REQUIRED)
add_executable(get_or_compute get_or_compute.cpp)
target_link_libraries(get_or_compute PRIVATE actorcache::actorcache_client)
add_executable(actor_get_or_compute actor_get_or_compute.cpp)
target_link_libraries(actor_get_or_compute PRIVATE actorcache::actorcache_client)
CMAKE
timeout 120 cmake -S "$work/user" -B "$work/user/b" -DCMAKE_PREFIX_PATH="$work/prefix" \
  > "$work/configure.log" 2>&1 || { cat "$work/configure.log" >&2; fail "find_package(actorcache)"; }
timeout 300 cmake --build "$work/user/b" > "$work/build.log" 2>&1 \
  || { cat "$work/build.log" >&2; fail "building the example against the installed package"; }

# A node of its own (no Redis: L1 only), on a free port it writes to its port file.
printf '[redis]\nenabled=false\n' > "$work/node.ini"
"$build/bin/actorcache-node" --node.port=0 --node.port-file="$work/node.port" --resp.port=0 \
  --config-file="$work/node.ini" > "$work/node.log" 2>&1 &
node_pid=$!
for _ in $(seq 1 150); do
  [[ -s "$work/node.port" ]] && break
  kill -0 "$node_pid" 2>/dev/null || { cat "$work/node.log" >&2; fail "the node exited"; }
  sleep 0.1
done
[[ -s "$work/node.port" ]] || { cat "$work/node.log" >&2; fail "the node did not start"; }
port=$(cat "$work/node.port")

out=$(timeout 60 "$work/user/b/get_or_compute" "127.0.0.1:$port" 4) \
  || fail "the example exited with $?: $out"
grep -qx "get_or_compute threads=4 computes=1 value=computed-1 agree=yes" <<< "$out" \
  || fail "unexpected output: $out"
grep -qx "get example:greeting = hello" <<< "$out" || fail "unexpected output: $out"
actors=$(timeout 60 "$work/user/b/actor_get_or_compute" "127.0.0.1:$port" 4) \
  || fail "the actor-level example exited with $?: $actors"
grep -qx "actor get_or_compute actors=4 computes=1 value=computed-1 agree=yes" <<< "$actors" \
  || fail "unexpected output of the actor-level example: $actors"
echo "ok: find_package(actorcache) built the example; against a node: $(grep -c . <<< "$out") lines as expected"
