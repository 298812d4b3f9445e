#!/usr/bin/env bash
# Installs what is needed, builds, and runs the whole test suite through ctest (README command 2).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
BUILD_DIR=${BUILD_DIR:-build}
# Every label runs, style included (core/ purity, .clang-format): tests/style/.
ctest --test-dir "$BUILD_DIR" --output-on-failure --timeout 300 -j2 "$@"
