#!/usr/bin/env bash
# `user:` in the config (issue #5 item 5): started as root, gatehouse binds a
# privileged port, then drops to nobody. /proc shows every uid/gid is
# nobody's, no capability is left and no supplementary group is root; the
# proxy still serves, and a SIGHUP reload (reading the rules as nobody) works.
set -euo pipefail
[ -n "${GATEHOUSE:-}" ] && [ -x "$GATEHOUSE" ] || { echo "skip: GATEHOUSE not set"; exit 77; }
[ "$(id -u)" = 0 ] || { echo "skip: needs root"; exit 77; }
id nobody >/dev/null 2>&1 || { echo "skip: no user nobody"; exit 77; }

tmp=$(mktemp -d)
gh_pid=""
cleanup() {
  [ -n "$gh_pid" ] && kill -TERM "$gh_pid" 2>/dev/null && wait "$gh_pid" 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; cat "$tmp/gh.log" || true; exit 1; }

# A free privileged port (only root may bind it).
PORT=$(python3 -c '
import socket
for p in range(1023, 900, -1):
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", p)); print(p); break
    except OSError:
        pass
    finally:
        s.close()
')
ADMIN=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
chmod 0755 "$tmp"   # the rules must stay readable after the drop (reload)
mkdir -p "$tmp/categories" "$tmp/var"
chown nobody "$tmp/var"   # rotation creates files here as nobody
cat > "$tmp/gatehouse.yaml" <<YAML
listen:
  - { address: "127.0.0.1:$PORT", mode: forward }
admin: { address: "127.0.0.1:$ADMIN" }
user: "nobody"
clients: { allow: ["127.0.0.0/8"] }
include: { categories: "categories/*.yaml", departments: "departments.yaml", approvals: "approvals.yaml" }
policy: { categories: { instant-messaging-web: block } }
audit: { path: "var/audit.jsonl", fsync: "every" }
limits: { drain_timeout: "1s" }
YAML
cat > "$tmp/categories/im.yaml" <<'YAML'
category: instant-messaging-web
title: Web-based instant messaging
apps:
  - { id: whatsapp-web, title: WhatsApp Web, domains: [.web.whatsapp.com] }
YAML
echo "departments: []" > "$tmp/departments.yaml"
echo "approvals: []" > "$tmp/approvals.yaml"
chmod -R a+rX "$tmp"

GATEHOUSE_THREADS=2 "$GATEHOUSE" serve --config "$tmp/gatehouse.yaml" > "$tmp/gh.log" 2>&1 &
gh_pid=$!
for _ in $(seq 1 200); do
  curl -fs "http://127.0.0.1:$ADMIN/readyz" >/dev/null 2>&1 && break
  kill -0 "$gh_pid" 2>/dev/null || fail "gatehouse exited"
  sleep 0.05
done

nobody_uid=$(id -u nobody); nobody_gid=$(id -g nobody)
st=/proc/$gh_pid/status
read -r _ ru eu su fu < <(grep '^Uid:' "$st")
read -r _ rg eg sg fg < <(grep '^Gid:' "$st")
[ "$ru $eu $su $fu" = "$nobody_uid $nobody_uid $nobody_uid $nobody_uid" ] || fail "Uid: $ru $eu $su $fu"
[ "$rg $eg $sg $fg" = "$nobody_gid $nobody_gid $nobody_gid $nobody_gid" ] || fail "Gid: $rg $eg $sg $fg"
groups=$(grep '^Groups:' "$st" | cut -f2)
for g in $groups; do [ "$g" != 0 ] || fail "supplementary group root kept"; done
for cap in CapPrm CapEff CapAmb; do
  v=$(grep "^$cap:" "$st" | awk '{print $2}')
  [ "$((16#$v))" = 0 ] || fail "$cap = $v after the drop"
done
# Every thread, not only the main one.
for t in /proc/$gh_pid/task/*; do
  grep -q "^Uid:.*\b$nobody_uid\b.*$nobody_uid" "$t/status" || fail "thread $t kept another uid"
done

c=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 -x "http://127.0.0.1:$PORT" http://web.whatsapp.com/ || true)
[ "$c" = 403 ] || fail "proxy on privileged port $PORT answered $c"

kill -HUP "$gh_pid"
reloaded() {
  curl -fs "http://127.0.0.1:$ADMIN/metrics" > "$tmp/metrics" 2>/dev/null || return 1
  grep -q '^gatehouse_reloads_total{result="ok"} 1$' "$tmp/metrics"
}
for _ in $(seq 1 100); do reloaded && break; sleep 0.05; done
reloaded || fail "reload as nobody"

kill -TERM "$gh_pid"; wait "$gh_pid" || fail "exit status"; gh_pid=""
grep -q "" "$tmp/var/audit.jsonl" || fail "no audit records"
echo "ok: bound port $PORT as root, running as nobody (uid $nobody_uid), no capabilities"
