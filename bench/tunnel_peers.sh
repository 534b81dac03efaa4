#!/usr/bin/env bash
# Tunnel throughput, gatehouse vs Squid vs e2guardian vs a direct download, in
# one run (issue 16, "Tunnels at the wire"): bench/compare.sh's tunnel rows
# only (`compare.sh --tunnel-only`), with the e2guardian peer it starts.
#
#   bench/tunnel_peers.sh [--rounds 3] [--seconds 5] [--out DIR] [--idle N] [--before BIN]
#
# Every option of compare.sh is accepted; --idle N adds the idle-tunnel memory
# row (none by default here).
exec "$(dirname "$0")/compare.sh" --tunnel-only "$@"
