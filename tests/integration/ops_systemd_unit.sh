#!/usr/bin/env bash
# deploy/gatehouse.service passes `systemd-analyze verify` with no warning,
# and carries the options README "Operations guide" and issue #5 ask for.
set -euo pipefail
src=${GH_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
unit=$src/deploy/gatehouse.service
command -v systemd-analyze >/dev/null || { echo "skip: no systemd-analyze"; exit 77; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# verify checks that ExecStart exists: point it at the binary under test.
bin=${GATEHOUSE:-/bin/true}
[ -x "$bin" ] || bin=/bin/true
sed "s#/usr/local/bin/gatehouse#$bin#g" "$unit" > "$tmp/gatehouse.service"
if ! systemd-analyze verify "$tmp/gatehouse.service" > "$tmp/out" 2>&1; then
  cat "$tmp/out"; echo "FAIL: systemd-analyze verify"; exit 1
fi
if [ -s "$tmp/out" ]; then
  cat "$tmp/out"; echo "FAIL: systemd-analyze verify printed warnings"; exit 1
fi

need() {
  grep -qxF "$1" "$unit" || { echo "FAIL: $unit lacks: $1"; exit 1; }
}
need "Type=notify"
need "NoNewPrivileges=yes"
need "ProtectSystem=strict"
need "ReadWritePaths=/var/log/gatehouse"
need "CapabilityBoundingSet=CAP_NET_BIND_SERVICE CAP_SETUID CAP_SETGID"
need 'ExecReload=/bin/kill -HUP $MAINPID'
# The syscall filter must still allow what drop_privileges() and the
# reloader use.
if systemd-analyze syscall-filter @system-service >/dev/null 2>&1; then
  all=""
  for g in $(systemd-analyze syscall-filter @system-service | awk '/^ *@/{print $1}') @system-service; do
    all+=$(systemd-analyze syscall-filter "$g")$'\n'
  done
  for sc in setgroups setresuid setresgid inotify_init1 inotify_add_watch eventfd2 setpriority splice; do
    grep -qw "$sc" <<<"$all" || { echo "FAIL: @system-service lacks $sc"; exit 1; }
  done
fi
echo "ok: gatehouse.service verified"
