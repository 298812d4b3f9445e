#!/usr/bin/env bash
# Installs the Debian 12 packages actorcache builds, tests and benchmarks with (run as root).
set -euo pipefail
packages=(
  build-essential cmake pkg-config python3 curl openssl procps
  libcaf-dev libhiredis-dev capnproto libcapnp-dev libspdlog-dev catch2
  libabsl-dev libxxhash-dev libjemalloc-dev libcpp-httplib-dev libbenchmark-dev
  redis-server redis-tools prometheus clang clang-format libfuzzer-14-dev iproute2
  nlohmann-json3-dev python3-redis python3-numpy python3-xxhash python3-pytest
  chromium chromium-driver
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
# The Debian redis-server package starts a system service on 6379; tests start their own
# servers on free ports and never use it.
