#!/usr/bin/env bash
# Scale-out recipe (issue #5 item 5): deploy/haproxy-scaleout.cfg itself, with
# its addresses rewritten to loopback, in front of two gatehouse instances
# with proxy_protocol: true. Requests spread over both instances, each
# audits the real client address and department, and HAProxy's /readyz
# health check takes an instance out of the pool when it is stopped.
set -euo pipefail
[ -n "${GATEHOUSE:-}" ] && [ -x "$GATEHOUSE" ] || { echo "skip: GATEHOUSE not set"; exit 77; }
command -v haproxy >/dev/null || { echo "skip: haproxy not installed"; exit 77; }
src=${GH_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}

tmp=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$tmp"
}
trap cleanup EXIT
fail() {
  echo "FAIL: $*"
  for f in "$tmp"/*.log; do echo "--- $f"; tail -50 "$f"; done
  exit 1
}
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

HA=$(free_port)
declare -A FWD ADMIN PID
for i in 1 2; do
  FWD[$i]=$(free_port); ADMIN[$i]=$(free_port)
  d="$tmp/gh$i"
  mkdir -p "$d/categories"
  cat > "$d/gatehouse.yaml" <<YAML
listen:
  - { address: "127.0.0.1:${FWD[$i]}", mode: forward, name: "edge-$i", proxy_protocol: true }
admin: { address: "127.0.0.1:${ADMIN[$i]}" }
clients: { allow: ["127.0.0.0/8"] }
include: { categories: "categories/*.yaml", departments: "departments.yaml", approvals: "approvals.yaml" }
policy: { categories: { instant-messaging-web: block } }
audit: { path: "audit.jsonl", fsync: "every" }
limits: { drain_timeout: "1s" }
YAML
  cat > "$d/categories/im.yaml" <<'YAML'
category: instant-messaging-web
title: Web-based instant messaging
apps:
  - { id: whatsapp-web, title: WhatsApp Web, domains: [.web.whatsapp.com] }
YAML
  cat > "$d/departments.yaml" <<'YAML'
departments:
  - { id: immigration, name: Immigration, head: Director, networks: ["127.0.20.0/24"] }
YAML
  echo "approvals: []" > "$d/approvals.yaml"
  GATEHOUSE_THREADS=1 "$GATEHOUSE" serve --config "$d/gatehouse.yaml" > "$tmp/gh$i.log" 2>&1 &
  PID[$i]=$!
  pids+=("${PID[$i]}")
done

# The shipped recipe, addresses rewritten; everything else as shipped.
sed -e "s#bind 0.0.0.0:3128#bind 127.0.0.1:$HA#" \
    -e "s#server gatehouse-1 10.0.0.11:3128 check port 9090#server gatehouse-1 127.0.0.1:${FWD[1]} check port ${ADMIN[1]}#" \
    -e "s#server gatehouse-2 10.0.0.12:3128 check port 9090#server gatehouse-2 127.0.0.1:${FWD[2]} check port ${ADMIN[2]}#" \
    -e "s#inter 2s#inter 200ms#" \
    -e "s#maxconn 40000#maxconn 1000#" \
    "$src/deploy/haproxy-scaleout.cfg" > "$tmp/haproxy.cfg"
grep -q "127.0.0.1:${FWD[2]}" "$tmp/haproxy.cfg" || fail "could not rewrite the recipe's server lines"
haproxy -c -f "$tmp/haproxy.cfg" > /dev/null || fail "haproxy -c"

for i in 1 2; do
  for _ in $(seq 1 200); do
    curl -fs "http://127.0.0.1:${ADMIN[$i]}/readyz" >/dev/null 2>&1 && break
    sleep 0.05
  done
  curl -fs "http://127.0.0.1:${ADMIN[$i]}/readyz" >/dev/null || fail "instance $i not ready"
done
haproxy -f "$tmp/haproxy.cfg" -db > "$tmp/haproxy.log" 2>&1 &
ha_pid=$!
pids+=("$ha_pid")

code() { curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$@" || true; }
# Wait until HAProxy has both servers up (health checks every 200ms).
ok=0
for _ in $(seq 1 100); do
  c=$(code --interface 127.0.20.7 -x "http://127.0.0.1:$HA" http://web.whatsapp.com/probe)
  [ "$c" = 403 ] && { ok=1; break; }
  sleep 0.1
done
[ $ok = 1 ] || fail "no 403 through HAProxy"
sleep 1
for n in $(seq 1 20); do
  c=$(code --interface "127.0.20.$((10 + n))" -x "http://127.0.0.1:$HA" "http://web.whatsapp.com/$n")
  [ "$c" = 403 ] || fail "request $n: $c"
done

count() {  # decision records from 127.0.20.x, department immigration, in instance $1's log
  python3 - "$tmp/gh$1/audit.jsonl" "$src/tests/integration/proxy_lib" <<'PY'
import sys
sys.path.insert(0, sys.argv[2])
from harness import audit_records  # the live log's complete records
n = 0
for r in audit_records(sys.argv[1]):
    if r["event"] == "decision":
        assert r["client"].startswith("127.0.20."), r
        assert r["department"] == "immigration", r
        n += 1
print(n)
PY
}
n1=$(count 1); n2=$(count 2)
echo "instance 1: $n1 records, instance 2: $n2 records"
[ "$n1" -ge 3 ] && [ "$n2" -ge 3 ] || fail "requests not spread over both instances ($n1, $n2)"

# Stop instance 2: /readyz goes away, HAProxy takes it out, traffic continues.
kill -TERM "${PID[2]}"; wait "${PID[2]}" || fail "instance 2 exit status"
for n in $(seq 1 10); do
  c=$(code --interface "127.0.20.$((50 + n))" -x "http://127.0.0.1:$HA" "http://web.whatsapp.com/after$n")
  [ "$c" = 403 ] || { sleep 0.3; c=$(code --interface "127.0.20.$((50 + n))" -x "http://127.0.0.1:$HA" "http://web.whatsapp.com/retry$n"); }
  [ "$c" = 403 ] || fail "after stopping instance 2, request $n: $c"
done
for i in 1 2; do
  "$GATEHOUSE" audit verify "$tmp/gh$i/audit.jsonl" > /dev/null || fail "audit verify instance $i"
done
echo "ok: scale-out behind HAProxy, both instances auditing"
