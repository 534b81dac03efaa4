#!/usr/bin/env bash
# Soak with faults (docs/capacity.md):  tests/soak/run.sh --minutes N [--gatehouse PATH] [--keep DIR]
# The binary comes from --gatehouse or $GATEHOUSE (default build/proxy/gatehouse).
# As root, the driver runs in a private mount namespace so that the audit
# directory can be a small tmpfs the full-disk fault fills (as
# tests/integration/ops_audit_full.py does); elsewhere that fault is skipped
# and the table says so. Exit 0 = every invariant held, 1 = one failed,
# 77 = no binary.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
export GATEHOUSE=${GATEHOUSE:-$root/build/proxy/gatehouse}
export GH_SOURCE_DIR=${GH_SOURCE_DIR:-$root}
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
if [ "$(id -u)" = 0 ] && command -v unshare >/dev/null && unshare -m --propagation private true 2>/dev/null; then
  exec unshare -m --propagation private python3 "$here/soak.py" --tmpfs "$@"
fi
exec python3 "$here/soak.py" "$@"
