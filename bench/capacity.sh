#!/usr/bin/env bash
# Capacity figures for docs/capacity.md (idle tunnels: RSS and descriptors
# per tunnel; audit bytes per record and compression ratios).
#   bench/capacity.sh [--tunnels N] [--requests N] [--gatehouse PATH] [--load PATH]
# Needs build/proxy/gatehouse and build/bench/load/load (cmake --build build
# --target gatehouse load). Loopback only. The soft descriptor limit is raised
# to the hard one; if that cannot hold N tunnels (2 sockets each in gatehouse),
# the count the limit allows is measured and said so.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
ulimit -n "$(ulimit -Hn)"
exec python3 "$here/capacity.py" "$@"
