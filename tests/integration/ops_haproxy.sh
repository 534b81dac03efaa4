#!/usr/bin/env bash
# PROXY protocol v1 and v2 behind a real HAProxy (issue #5 item 4).
# HAProxy (its own config in a temp dir, foreground `-db`, stopped by PID)
# forwards to a gatehouse listener with proxy_protocol: true, once with
# send-proxy-v2 and once with send-proxy (v1), connecting from 127.0.0.1.
# Clients connect to HAProxy from 127.0.20.5 / 127.0.20.6 (department
# "immigration"); 127.0.0.1 is department "gateway". The audit records must
# show the clients' own addresses and department, not HAProxy's. A
# connection without a header, or with a malformed one, is closed without an
# HTTP answer and audited.
set -euo pipefail
[ -n "${GATEHOUSE:-}" ] && [ -x "$GATEHOUSE" ] || { echo "skip: GATEHOUSE not set"; exit 77; }
command -v haproxy >/dev/null || { echo "skip: haproxy not installed"; exit 77; }
command -v curl >/dev/null || { echo "skip: curl not installed"; exit 77; }

tmp=$(mktemp -d)
gh_pid=""; ha_pid=""
cleanup() {
  [ -n "$ha_pid" ] && kill "$ha_pid" 2>/dev/null && wait "$ha_pid" 2>/dev/null || true
  [ -n "$gh_pid" ] && kill -TERM "$gh_pid" 2>/dev/null && wait "$gh_pid" 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; echo "--- gatehouse log"; cat "$tmp/gh.log" || true; echo "--- haproxy log"; cat "$tmp/ha.log" || true; exit 1; }

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
GH=$(free_port); ADMIN=$(free_port); HA2=$(free_port); HA1=$(free_port)

mkdir -p "$tmp/rules/categories" "$tmp/var"
cat > "$tmp/rules/gatehouse.yaml" <<YAML
listen:
  - { address: "127.0.0.1:$GH", mode: forward, name: "edge-pp", proxy_protocol: true }
admin: { address: "127.0.0.1:$ADMIN" }
clients: { allow: ["127.0.0.0/8"] }
include:
  categories: "categories/*.yaml"
  departments: "departments.yaml"
  approvals: "approvals.yaml"
policy:
  categories: { instant-messaging-web: block }
audit: { path: "../var/audit.jsonl", fsync: "every" }
limits: { drain_timeout: "2s", header_timeout: "3s" }
YAML
cat > "$tmp/rules/categories/im.yaml" <<'YAML'
category: instant-messaging-web
title: Web-based instant messaging
apps:
  - { id: whatsapp-web, title: WhatsApp Web, domains: [.web.whatsapp.com] }
YAML
cat > "$tmp/rules/departments.yaml" <<'YAML'
departments:
  - { id: immigration, name: Immigration, head: Director, networks: ["127.0.20.0/24"] }
  - { id: gateway, name: The proxy host itself, head: IT, networks: ["127.0.0.1/32"] }
YAML
echo "approvals: []" > "$tmp/rules/approvals.yaml"

cat > "$tmp/haproxy.cfg" <<CFG
global
    log stdout format raw local0 info
defaults
    mode tcp
    log global
    timeout connect 5s
    timeout client 30s
    timeout server 30s
frontend v2
    bind 127.0.0.1:$HA2
    default_backend gh_v2
frontend v1
    bind 127.0.0.1:$HA1
    default_backend gh_v1
backend gh_v2
    server gh 127.0.0.1:$GH send-proxy-v2 source 127.0.0.1
backend gh_v1
    server gh 127.0.0.1:$GH send-proxy source 127.0.0.1
CFG
haproxy -c -f "$tmp/haproxy.cfg" >/dev/null || fail "haproxy -c"

GATEHOUSE_THREADS=2 "$GATEHOUSE" serve --config "$tmp/rules/gatehouse.yaml" > "$tmp/gh.log" 2>&1 &
gh_pid=$!
haproxy -f "$tmp/haproxy.cfg" -db > "$tmp/ha.log" 2>&1 &
ha_pid=$!

for _ in $(seq 1 200); do
  curl -fs "http://127.0.0.1:$ADMIN/readyz" >/dev/null 2>&1 && break
  kill -0 "$gh_pid" 2>/dev/null || fail "gatehouse exited"
  sleep 0.05
done
curl -fs "http://127.0.0.1:$ADMIN/readyz" >/dev/null || fail "gatehouse not ready"
for _ in $(seq 1 100); do
  (exec 3<>/dev/tcp/127.0.0.1/$HA1) 2>/dev/null && break
  sleep 0.05
done

code() { curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$@" || true; }

# v2: plain HTTP and CONNECT through HAProxy, client 127.0.20.5.
c=$(code --interface 127.0.20.5 -x "http://127.0.0.1:$HA2" http://web.whatsapp.com/v2)
[ "$c" = 403 ] || fail "v2 GET: $c"
c=$(curl -s -o /dev/null -w '%{http_connect}' --max-time 5 --interface 127.0.20.5 -x "http://127.0.0.1:$HA2" -p https://web.whatsapp.com/ || true)
[ "$c" = 403 ] || fail "v2 CONNECT: $c"
# v1, client 127.0.20.6.
c=$(code --interface 127.0.20.6 -x "http://127.0.0.1:$HA1" http://web.whatsapp.com/v1)
[ "$c" = 403 ] || fail "v1 GET: $c"

# No header at all, straight to the listener: closed, no HTTP answer.
c=$(code -x "http://127.0.0.1:$GH" http://web.whatsapp.com/direct)
[ "$c" = 000 ] || fail "request without PROXY header answered $c"
# A malformed v2 header (right signature, bad version/command), then a request.
python3 - "$GH" <<'PY' || fail "malformed v2 header was not closed"
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5)
s.sendall(b"\r\n\r\n\x00\r\nQUIT\n" + b"\x7f\x11\x00\x0c" + b"\x00" * 12 +
          b"GET http://web.whatsapp.com/ HTTP/1.1\r\nHost: web.whatsapp.com\r\n\r\n")
data = b""
try:
    while True:
        chunk = s.recv(4096)
        if not chunk:
            break
        data += chunk
except ConnectionResetError:
    pass
sys.exit(0 if not data.startswith(b"HTTP/") else 1)
PY
# A malformed v1 line.
python3 - "$GH" <<'PY' || fail "malformed v1 header was not closed"
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5)
s.sendall(b"PROXY TCP4 999.1.1.1 127.0.0.1 1 2\r\nGET http://web.whatsapp.com/ HTTP/1.1\r\n\r\n")
data = b""
try:
    while True:
        chunk = s.recv(4096)
        if not chunk:
            break
        data += chunk
except ConnectionResetError:
    pass
sys.exit(0 if not data.startswith(b"HTTP/") else 1)
PY

kill -TERM "$gh_pid"; wait "$gh_pid" || fail "gatehouse exit status $?"; gh_pid=""
python3 - "$tmp/var/audit.jsonl" <<'PY' || fail "audit records"
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
dec = [r for r in recs if r["event"] == "decision"]
def find(pred, what):
    hits = [r for r in dec if pred(r)]
    assert hits, "no record: " + what + "\n" + "\n".join(json.dumps(r) for r in dec)
    return hits
v2 = find(lambda r: r["client"].startswith("127.0.20.5:") and r["method"] == "GET", "v2 GET from 127.0.20.5")
assert all(r["department"] == "immigration" and r["listener"] == "edge-pp" for r in v2), v2
assert all(r["action"] == "block" for r in v2), v2
find(lambda r: r["client"].startswith("127.0.20.5:") and r["method"] == "CONNECT", "v2 CONNECT from 127.0.20.5")
v1 = find(lambda r: r["client"].startswith("127.0.20.6:"), "v1 GET from 127.0.20.6")
assert all(r["department"] == "immigration" for r in v1), v1
# HAProxy's own address never appears as the client of a proxied request.
assert not [r for r in dec if r["department"] == "gateway" and r["action"] == "block"], "HAProxy's address was audited as the client"
bad = find(lambda r: r["reason"] == "bad-request" and r["listener"] == "edge-pp", "bad/missing PROXY header audited")
assert len(bad) >= 3, bad
assert all(r["action"] == "deny" for r in bad), bad
print("ok: %d decision records; clients %s" % (len(dec), sorted({r["client"].rsplit(":", 1)[0] for r in dec})))
PY
"$GATEHOUSE" audit verify "$tmp/var/audit.jsonl" >/dev/null || fail "audit verify"
echo "ok: PROXY v1/v2 behind HAProxy"
