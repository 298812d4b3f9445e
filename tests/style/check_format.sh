#!/usr/bin/env bash
# Fails when a C++ source of the project is not formatted as .clang-format says (clang-format 14).
#
# ctest's style label runs it on the whole tree. On the files one touched:
#   tests/style/check_format.sh core/host_port.cpp core/host_port.hpp
#   AC_FORMAT_FILES="core/host_port.cpp core/host_port.hpp" tests/style/check_format.sh
# To format the whole tree (from the repository root):
#   tests/style/check_format.sh --list | xargs clang-format -i
#
# Which files: the arguments, else $AC_FORMAT_FILES, else every tracked *.cpp/*.hpp/*.h except
# tests/style/fixtures (files written to fail the checks). Exits 77 (ctest: skipped) when
# clang-format is not installed, 1 when a file would change, 0 when none would.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"

all_sources() {
  if git -C "$root" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    git -C "$root" ls-files '*.cpp' '*.hpp' '*.h'
  else
    find . -name '*.cpp' -o -name '*.hpp' -o -name '*.h' | sed 's|^\./||' | grep -v '^build'
  fi | grep -v '^tests/style/fixtures/' | sort
}

if [ "${1:-}" = "--list" ]; then
  all_sources
  exit 0
fi

formatter=$(command -v clang-format-14 || command -v clang-format || true)
if [ -z "$formatter" ]; then
  echo "check_format: clang-format is not installed (scripts/install-deps.sh): skipped"
  exit 77
fi

if [ $# -gt 0 ]; then
  files=("$@")
elif [ -n "${AC_FORMAT_FILES:-}" ]; then
  read -r -a files <<<"$AC_FORMAT_FILES"
else
  mapfile -t files < <(all_sources)
fi
[ ${#files[@]} -gt 0 ] || { echo "check_format: no files to check" >&2; exit 2; }

# One clang-format per batch of files, batches in parallel (one per file took 30 s on 2 cores);
# --dry-run --Werror names each file that would change in its "code should be clang-formatted".
mapfile -t bad_files < <(printf '%s\n' "${files[@]}" \
  | xargs -d '\n' -P "$(nproc)" -n 24 "$formatter" --style=file --dry-run --Werror 2>&1 >/dev/null \
  | sed -n 's/^\(.*\):[0-9]*:[0-9]*: error: code should be clang-formatted.*/\1/p' | sort -u)
status=0
bad=${#bad_files[@]}
for f in "${bad_files[@]}"; do
  # --dry-run lists each change; show the first few lines as a diff instead.
  echo "check_format: $f is not formatted:" >&2
  "$formatter" --style=file "$f" | diff -u "$f" - | head -20 >&2 || true
  status=1
done
echo "check_format: ${#files[@]} files checked, $bad not formatted ($("$formatter" --version | head -1))"
exit $status
