#!/usr/bin/env bash
# Fails when a file of core/ (or of the folder given) includes what core/ must not: CAF, hiredis,
# Cap'n Proto, spdlog, httplib, OpenSSL, a socket/network, epoll/poll or file-I/O header, a layer
# above core/ (messages, actors, node, net, io, tools), or names /proc or /sys.
#
# Why a script: every system header is on the include path, so a stray include in core/ is only
# caught when something links (or never, for a header-only use). core/ is pure logic: its I/O
# lives in io/, net/ and node/ (README.md of each folder).
#
# <cstdio> is allowed for snprintf alone: formatting into a caller's buffer is pure, and the
# format strings ("%.3g", "%.1f GiB") are what the tests pin; a file that includes it may not
# use any stream function (fopen, FILE, printf, puts, stdout, ...).
#
# Usage: check_core_includes.sh [DIR]   (default: the core/ beside this script's tests/)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
dir=${1:-$here/../../core}
[ -d "$dir" ] || { echo "check_core_includes: no folder $dir" >&2; exit 2; }

forbidden='^[[:space:]]*#[[:space:]]*include[[:space:]]*[<"]('
forbidden+='caf/|hiredis/|capnp/|kj/|spdlog/|httplib\.h|openssl/|nlohmann/|'
forbidden+='sys/socket\.h|sys/un\.h|netinet/|arpa/|netdb\.h|ifaddrs\.h|net/if\.h|'
forbidden+='sys/epoll\.h|poll\.h|sys/poll\.h|sys/select\.h|'
forbidden+='fstream|iostream|filesystem|unistd\.h|fcntl\.h|sys/stat\.h|sys/types\.h|dirent\.h|stdio\.h|'
forbidden+='messages/|actors/|node/|net/|io/|tools/)'
stream_calls='\b(fopen|fdopen|freopen|popen|pclose|fread|fwrite|fclose|fgets|fputs|fprintf|printf|puts|getchar|putchar|perror|tmpfile|FILE|stdin|stdout|stderr)\b'

status=0
files=$(find "$dir" -maxdepth 1 -type f \( -name '*.hpp' -o -name '*.cpp' -o -name '*.h' -o -name '*.in' \) | sort)
[ -n "$files" ] || { echo "check_core_includes: no sources in $dir" >&2; exit 2; }
for f in $files; do
  if grep -nE "$forbidden" "$f"; then
    echo "  ^ $f: core/ must not include this (see tests/style/check_core_includes.sh)" >&2
    status=1
  fi
  if grep -nE '^[[:space:]]*#[[:space:]]*include[[:space:]]*<cstdio>' "$f" >/dev/null \
     && grep -nE "$stream_calls" "$f"; then
    echo "  ^ $f: includes <cstdio> for more than snprintf (stream I/O belongs in io/)" >&2
    status=1
  fi
  # String literals naming the kernel's files: reading them is I/O (io/proc_readers).
  if grep -nE '"/(proc|sys)/' "$f"; then
    echo "  ^ $f: names /proc or /sys (readers live in io/proc_readers)" >&2
    status=1
  fi
done
[ $status -eq 0 ] && echo "check_core_includes: $(echo "$files" | wc -l) files in $dir are pure"
exit $status
