#!/usr/bin/env bash
# Tunnel throughput, gatehouse vs e2guardian vs direct, in one run (issue 16,
# "Tunnels at the wire"): bulk HTTPS downloads of a 100 MiB file from a local
# nginx through CONNECT, one download at a time (bench/load --mode tunnel -c 1),
# the three targets alternating round after round. Reports MiB/s and the
# proxy's CPU per MiB (utime+stime of its process tree, /proc).
#
#   bench/tunnel_peers.sh [--rounds 3] [--seconds 5] [--out DIR]
#
# Installs nginx-light and e2guardian (Debian 12 packages) if missing. The
# origin listens on 127.0.0.1:443 because e2guardian's default story refuses
# CONNECT to other ports (it answers with a redirect inside the tunnel).
# gatehouse runs one event-loop thread (GATEHOUSE_THREADS=1), as in
# bench/compare.sh; e2guardian runs its packaged defaults (threaded).
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
rounds=3 seconds=5 out=/tmp/gh-tunnel-peers
gatehouse=${GATEHOUSE:-$src/build/proxy/gatehouse}
load=$src/build/bench/load/load
while [ $# -gt 0 ]; do
  case $1 in
    --rounds) rounds=$2; shift 2 ;;
    --seconds) seconds=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    *) echo "tunnel_peers.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
[ -x "$gatehouse" ] && [ -x "$load" ] || { echo "build gatehouse and load first (cmake --build build --target gatehouse load)" >&2; exit 2; }
need=()
for p in nginx-light e2guardian openssl curl; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
  env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
if ss -ltn | grep -q '127.0.0.1:443 \|\*:443 \|0.0.0.0:443 '; then
  echo "tunnel_peers.sh: port 443 is taken on this machine" >&2; exit 3
fi
mkdir -p "$out"
tmp=/tmp/gh-tunnel-peers-$$  # lower case: e2guardian lower-cases the paths of some lists
rm -rf "$tmp"
mkdir -p "$tmp"
chmod 755 "$tmp"
pids=()
cleanup() {
  # e2guardian ignores SIGTERM in dockermode: TERM, up to 5 s, then KILL (by PID).
  [ -s "$tmp/e2g.pid" ] && pids+=("$(cat "$tmp/e2g.pid")")
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for _ in $(seq 50); do
    alive=0
    for p in "${pids[@]}"; do kill -0 "$p" 2>/dev/null && alive=1; done
    [ "$alive" = 0 ] && break
    sleep 0.1
  done
  for p in "${pids[@]}"; do kill -KILL "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$tmp"
}
trap cleanup EXIT
log() { printf '[%4ss] %s\n' "$SECONDS" "$*" >&2; }
read -r p_gh p_e2g p_e2g_tls < <(python3 -c '
import socket
s=[socket.socket() for _ in range(3)]
[x.bind(("127.0.0.1",0)) for x in s]
print(*[x.getsockname()[1] for x in s])')

# --- origin: nginx, TLS on 127.0.0.1:443, a 100 MiB file -------------------------
mkdir -p "$tmp/nginx/html"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 \
  -subj /CN=127.0.0.1 -keyout "$tmp/nginx/key.pem" -out "$tmp/nginx/cert.pem" 2>/dev/null
truncate -s 100M "$tmp/nginx/html/big"
chmod -R a+rX "$tmp/nginx"
cat >"$tmp/nginx/nginx.conf" <<EOF
worker_processes 1;
daemon off;
pid $tmp/nginx/nginx.pid;
error_log $tmp/nginx/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $tmp/nginx/body;
  proxy_temp_path $tmp/nginx/proxy;
  fastcgi_temp_path $tmp/nginx/fastcgi;
  uwsgi_temp_path $tmp/nginx/uwsgi;
  scgi_temp_path $tmp/nginx/scgi;
  keepalive_requests 1000000;
  sendfile on;
  default_type application/octet-stream;
  root $tmp/nginx/html;
  server {
    listen 127.0.0.1:443 ssl;
    ssl_certificate $tmp/nginx/cert.pem;
    ssl_certificate_key $tmp/nginx/key.pem;
    location = /small { return 200 "ok\n"; }
  }
}
EOF
nginx -p "$tmp/nginx/" -c "$tmp/nginx/nginx.conf" -e "$tmp/nginx/error.log" &
pids+=($!)

# --- gatehouse ----------------------------------------------------------------------
mkdir -p "$tmp/gh/var"
cat >"$tmp/gh/gatehouse.yaml" <<EOF
listen:
  - { address: "127.0.0.1:$p_gh", mode: forward }
clients: { allow: ["127.0.0.0/8"] }
connect: { ports: [443] }
policy:
  uncategorized: allow
  block_private_destinations: false
audit: { path: "var/audit.jsonl", fsync: "1s" }
EOF
GATEHOUSE_THREADS=1 "$gatehouse" serve --config "$tmp/gh/gatehouse.yaml" >"$tmp/gh/log" 2>&1 &
gh_pid=$!
pids+=("$gh_pid")

# --- e2guardian: the packaged configuration, moved to $tmp, on its own port ---------
cp -r /etc/e2guardian "$tmp/e2g"
grep -rl /etc/e2guardian/ "$tmp/e2g" | xargs sed -i "s#/etc/e2guardian/#$tmp/e2g/#g"
python3 - "$tmp/e2g/e2guardian.conf" "$p_e2g" "$tmp" "$p_e2g_tls" <<'EOF'
import re, sys
path, port, tmp, tport = sys.argv[1:]
s = open(path).read()
for k, v in (("filterip", "127.0.0.1"), ("filterports", port), ("dockermode", "on"), ("transparenthttpsport", tport),
             ("pidfilename", "'%s/e2g.pid'" % tmp), ("loglocation", "'%s/e2g-access.log'" % tmp)):
    pat = r"(?m)^#?\s*%s\s*=.*$" % k
    s = re.sub(pat, "%s = %s" % (k, v), s, count=1) if re.search(pat, s) else s + "\n%s = %s\n" % (k, v)
open(path, "w").write(s)
EOF
chmod -R a+rwX "$tmp/e2g"
chmod 777 "$tmp"
e2guardian -c "$tmp/e2g/e2guardian.conf" >"$tmp/e2g.out" 2>&1 &
e2g_pid=$!
pids+=("$e2g_pid")

for target in "direct|" "gatehouse|127.0.0.1:$p_gh" "e2guardian|127.0.0.1:$p_e2g"; do
  name=${target%%|*} proxy=${target#*|}
  for _ in $(seq 200); do
    if curl -sk -o /dev/null --max-time 2 ${proxy:+-x "http://$proxy"} https://127.0.0.1/small; then continue 2; fi
    sleep 0.05
  done
  log "$name is not answering"; for f in "$tmp/e2g.out" "$tmp/gh/log" "$tmp/nginx/error.log"; do tail -n 5 "$f" >&2; done; exit 3
done
log "origin, gatehouse (pid $gh_pid) and e2guardian (pid $e2g_pid) ready"

ticks() {  # PID -> utime+stime of it and its children (threads included)
  python3 - "$1" <<'EOF'
import os, sys
root = int(sys.argv[1]); kids = {}
for d in os.listdir("/proc"):
    if d.isdigit():
        try:
            st = open("/proc/%s/stat" % d).read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        kids.setdefault(int(st[1]), []).append((int(d), st))
def own(p):
    try:
        return open("/proc/%d/stat" % p).read().rsplit(")", 1)[1].split()
    except OSError:
        return None
t, todo = 0, [root]
while todo:
    p = todo.pop(); st = own(p)
    if st: t += sum(int(x) for x in st[11:15])
    todo += [k for k, _ in kids.get(p, [])]
print(t)
EOF
}
runs=$out/tunnel_peers.jsonl
: >"$runs"
order=(gatehouse e2guardian direct)
for r in $(seq "$rounds"); do
  for name in "${order[@]}"; do
    case $name in
      gatehouse) proxy=(--proxy "127.0.0.1:$p_gh"); pid=$gh_pid ;;
      e2guardian) proxy=(--proxy "127.0.0.1:$p_e2g"); pid=$e2g_pid ;;
      direct) proxy=(); pid=$$ ;;
    esac
    b=$(ticks "$pid")
    line=$("$load" --mode tunnel --url https://127.0.0.1:443/big -c 1 -d "$seconds" "${proxy[@]}" --label "$name" 2>>"$tmp/load.err" || echo '{}')
    a=$(ticks "$pid")
    echo "{\"round\":$r,\"target\":\"$name\",\"cpu_ticks\":$((a - b)),\"hz\":$(getconf CLK_TCK),\"run\":$line}" >>"$runs"
    log "round $r $name: $(python3 -c 'import json,sys; r=json.loads(sys.argv[1]); print("%.0f MiB/s" % (r.get("bytes_per_s",0)/1048576))' "$line")"
  done
  order=("${order[1]}" "${order[2]}" "${order[0]}")
done

python3 - "$runs" "$(e2guardian -v 2>&1 | head -1)" "$(nginx -v 2>&1)" <<'EOF'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
by = {}
for r in rows:
    by.setdefault(r["target"], []).append(r)
def med(xs):
    return statistics.median(xs) if xs else float("nan")
direct = med([r["run"].get("bytes_per_s", 0) / 1048576 for r in by.get("direct", [])])
print("| target | MiB/s (median) | range | of direct | proxy CPU µs per MiB (median) |")
print("|---|---|---|---|---|")
for t in ("gatehouse", "e2guardian", "direct"):
    rs = by.get(t, [])
    mibs = [r["run"].get("bytes_per_s", 0) / 1048576 for r in rs]
    cpu = [r["cpu_ticks"] / r["hz"] * 1e6 / (r["run"].get("bytes", 0) / 1048576) for r in rs
           if r["run"].get("bytes")] if t != "direct" else []
    print("| %s | %.0f | %.0f–%.0f | %.0f%% | %s |" % (t, med(mibs), min(mibs or [0]), max(mibs or [0]),
          100 * med(mibs) / direct if direct else 0, ("%.0f" % med(cpu)) if cpu else "—"))
print()
print("Versions: %s; %s; %d rounds." % (sys.argv[2], sys.argv[3], max(r["round"] for r in rows)))
EOF
