#!/usr/bin/env bash
# End-to-end comparison of gatehouse and Squid in one run, on this machine.
#
# Installs squid and nginx-light (apt, idempotent), generates the same
# 1,000,000-domain blocklist for both proxies, starts nginx origins on loopback
# (a small answer and a 100 MB file, over HTTP and HTTPS), then runs each
# workload of bench/load against gatehouse and Squid alternately, round after
# round, plus the generator's own ceiling (its trivial 403 server) and a direct
# download as references. Prints one table of medians. Bounded (< 10 min);
# every process it starts is stopped by PID on exit.
#
#   bench/compare.sh [--build DIR] [--gatehouse BIN] [--rounds N] [--seconds S]
#                    [--domains N] [--idle N] [--out DIR] [--keep] [--perf]
#                    [--gh-threads N] [--before BIN] [--no-e2guardian] [--tunnel-only]
#                    [--auth | --auth-only] [--intercept | --intercept-only] [--intercept-idle N]
#                    [--only REGEX]
#
# e2guardian (Debian package) is a peer row for the tunnel download and the idle
# tunnels: --no-e2guardian leaves it out; --tunnel-only runs only the tunnel rows
# (what bench/tunnel_peers.sh runs), with a small list unless --domains is given.
#
# --auth adds the authentication rows (bench/compare_auth.sh: Basic keep-alive
# beside the anonymous rows, Negotiate against a KDC made for the run, Squid
# with basic_ncsa_auth); --auth-only runs those rows alone.
#
# --intercept adds the HTTPS interception rows (bench/compare_intercept.sh:
# block pages over TLS and inspected keep-alive GETs, gatehouse with
# tls_intercept against Squid with ssl_bump, memory per idle intercepted
# connection, and with --perf a profile of the handshake path);
# --intercept-only runs those alone.
#
# --only REGEX keeps the rows whose workload name matches (e.g. 'get-allowed'):
# more rounds of a few rows in the same time budget.
#
# --before BIN runs a second gatehouse binary (an earlier build) beside the
# current one on every workload, alternating with it, and adds a table of
# before/after medians: a change is judged against its own spread in one run.
#
# The headline figure is the proxy's CPU time per request (user+sys of its
# processes from /proc/PID/stat over the run / requests served): generator and
# proxy share the 2 cores, so requests/s saturate at the generator's ceiling.
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)

build=$src/build
gatehouse=""
rounds=3
seconds=5
domains=1000000
idle=9000
gh_threads=1  # event-loop threads for gatehouse, as Squid runs `workers 1`
out=/tmp/gh-bench-results
keep=0
perf=0
before_bin=""
e2g_wanted=1 tunnel_only=0 domains_given=0 idle_given=0  # e2guardian peer (endure2 block below)
only=""  # --only REGEX: the rows whose workload name matches, no others
auth=0       # --auth: bench/compare_auth.sh
auth_only=0
intercept=0         # --intercept: bench/compare_intercept.sh
intercept_only=0
intercept_idle_n=800
while [ $# -gt 0 ]; do
  case $1 in
    --build) build=$2; shift 2 ;;
    --gatehouse) gatehouse=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --seconds) seconds=$2; shift 2 ;;
    --domains) domains=$2; domains_given=1; shift 2 ;;
    --idle) idle=$2; idle_given=1; shift 2 ;;
    --gh-threads) gh_threads=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --keep) keep=1; shift ;;
    --perf) perf=1; shift ;;
    --before) before_bin=$2; shift 2 ;;
    --no-e2guardian) e2g_wanted=0; shift ;;
    --tunnel-only) tunnel_only=1; shift ;;
    --only) only=$2; shift 2 ;;
    --auth) auth=1; shift ;;
    --auth-only) auth=1; auth_only=1; shift ;;
    --intercept) intercept=1; shift ;;
    --intercept-only) intercept=1; intercept_only=1; shift ;;
    --intercept-idle) intercept_idle_n=$2; shift 2 ;;
    -h|--help) sed -n 2,$(( $(grep -n "^set -euo" "$0" | cut -d: -f1) - 1 ))p "$0"; exit 0 ;;
    *) echo "compare.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
if [ "$tunnel_only" = 1 ]; then  # the 403 check at start-up needs a list, not a large one
  [ "$domains_given" = 1 ] || domains=1000
  [ "$idle_given" = 1 ] || idle=0
fi
mkdir -p "$out"
log() { printf '[%5ss] %s\n' "$SECONDS" "$*" >&2; }
# Asks through a proxy until it answers WANT, its process exits or TRIES run
# out, PAUSE seconds apart; prints the last status.  PID WANT TRIES PAUSE CURL_ARGS...
await_status() {
  local pid=$1 want=$2 tries=$3 pause=$4 code=""
  shift 4
  for _ in $(seq "$tries"); do
    kill -0 "$pid" 2>/dev/null || break
    code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$@" || true)
    [ "$code" = "$want" ] && break
    sleep "$pause"
  done
  echo "$code"
}

# --- install what the bench needs (not part of tests/run.sh) -------------------
need=()
for p in squid nginx-light openssl python3 curl; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
  log "installing ${need[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO=sudo
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
# apt may have started the system services: stop them (they would hold ports and CPU).
for svc in squid nginx; do
  if command -v systemctl >/dev/null && systemctl is-active --quiet "$svc" 2>/dev/null; then
    systemctl stop "$svc" || true
  fi
  for pf in /run/$svc.pid /var/run/$svc.pid; do
    if [ -s "$pf" ] && kill -0 "$(cat "$pf")" 2>/dev/null; then
      log "stopping system $svc (pid $(cat "$pf"))"
      kill "$(cat "$pf")" || true
    fi
  done
done

# === peer: e2guardian (tunnel rows and idle tunnels; issue 16) ========================
# e2guardian 5.3 (Debian 12's package) is a copying, threaded filtering proxy: one
# worker thread per connection (httpworkers, created at start). Its packaged story
# refuses CONNECT to any port but 443 (a redirect inside the tunnel), so when
# 127.0.0.1:443 is free the HTTPS origin listens there too and every proxy's tunnel
# download uses it. It runs the packaged configuration moved to a directory of its
# own (a lower-case path: it lower-cases the paths of some lists), in dockermode
# (foreground, so it is stopped by PID like the others), on its own port.
e2g_dir=""
e2g_workers=0
e2g_install() {
  [ "$e2g_wanted" = 1 ] || return 0
  if ! dpkg-query -W -f='${Status}' e2guardian 2>/dev/null | grep -q "install ok installed"; then
    log "installing e2guardian"
    local sudo=""
    [ "$(id -u)" -ne 0 ] && sudo=sudo
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends e2guardian >/dev/null ||
      { log "e2guardian does not install: its rows are n/a"; e2g_wanted=0; return 0; }
  fi
  if command -v systemctl >/dev/null && systemctl is-active --quiet e2guardian 2>/dev/null; then
    systemctl stop e2guardian || true  # apt starts the service: it would hold CPU
  fi
}
e2g_port_443() {  # -> listen_443 (nginx directive) and p_tunnel (the tunnel rows' origin port)
  listen_443="" p_tunnel=$p_https
  [ "$e2g_wanted" = 1 ] || return 0
  if ss -ltnH 2>/dev/null | awk '{print $4}' | grep -Eq '^(127\.0\.0\.1|0\.0\.0\.0|\*|\[::\]):443$'; then
    log "port 443 is taken here: e2guardian (CONNECT to 443 only) is left out"
    e2g_wanted=0
    return 0
  fi
  listen_443="listen 127.0.0.1:443 ssl;"
  p_tunnel=443
}
e2g_start() {
  [ "$e2g_wanted" = 1 ] || return 0
  local p_e2g p_e2g_tls conf code="" pid
  read -r p_e2g p_e2g_tls < <(python3 -c 'import socket
s = [socket.socket() for _ in range(2)]
for x in s: x.bind(("127.0.0.1", 0))
print(*[x.getsockname()[1] for x in s])')
  # one worker per held connection: enough for the idle run, bounded for its threads
  e2g_workers=$((idle < 2000 ? idle + 64 : 2064))
  e2g_dir=/tmp/gh-e2g-$$
  rm -rf "$e2g_dir"
  mkdir -p "$e2g_dir"
  cp -r /etc/e2guardian "$e2g_dir/conf"
  conf=$e2g_dir/conf/e2guardian.conf
  grep -rl /etc/e2guardian/ "$e2g_dir/conf" | xargs sed -i "s#/etc/e2guardian/#$e2g_dir/conf/#g"
  python3 - "$conf" "$p_e2g" "$e2g_dir" "$p_e2g_tls" "$e2g_workers" <<'PY'
import re, sys
path, port, d, tport, workers = sys.argv[1:]
s = open(path).read()
for k, v in (("filterip", "127.0.0.1"), ("filterports", port), ("dockermode", "on"),
             ("transparenthttpsport", tport), ("httpworkers", workers),
             ("pidfilename", "'%s/e2g.pid'" % d), ("loglocation", "'%s/access.log'" % d)):
    pat = r"(?m)^#?\s*%s\s*=.*$" % k
    s = re.sub(pat, "%s = %s" % (k, v), s, count=1) if re.search(pat, s) else s + "\n%s = %s\n" % (k, v)
open(path, "w").write(s)
PY
  chmod -R a+rwX "$e2g_dir"
  e2guardian -c "$conf" >"$tmp/e2guardian.out" 2>&1 &
  pid=$!
  pids+=("$pid")
  code=$(await_status "$pid" 200 300 0.1 -k -x "http://127.0.0.1:$p_e2g" "https://127.0.0.1:443/small")  # <= 30 s
  if [ "$code" != 200 ]; then
    log "e2guardian did not start (last answer '$code'); its rows are n/a. Its output:"
    tail -20 "$tmp/e2guardian.out" >&2
    return 0
  fi
  proxy_pid[e2guardian]=$pid
  proxy_port[e2guardian]=$p_e2g
  rss_start[e2guardian]=$(proc_stat "$pid" | cut -d' ' -f2)
  log "e2guardian ready on :$p_e2g ($e2g_workers workers), RSS $((rss_start[e2guardian] / 1024)) MiB"
}
e2g_skips() {  # NAME WORKLOAD -> true when e2guardian has no row for this workload
  [ "$1" = e2guardian ] && [[ $2 != tunnel-* ]]
}
idle_target() {  # NAME -> the origin its idle tunnels hold (e2guardian: CONNECT to 443 only)
  if [ "$1" = e2guardian ]; then echo "127.0.0.1:443"; else echo "127.0.0.1:$p_http"; fi
}
idle_count() {  # NAME -> tunnels to hold (e2guardian: one worker thread each)
  if [ "$1" = e2guardian ] && [ "$idle" -gt $((e2g_workers - 64)) ]; then
    echo $((e2g_workers - 64))
  else
    echo "$idle"
  fi
}
e2g_tunnel_table() {  # RUNS -> the tunnel table of every proxy, e2guardian and direct
  python3 - "$1" <<'PY'
import json, statistics, sys
runs = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
def med(xs): return statistics.median(xs) if xs else None
def sp(xs): return " ±%.0f%%" % (100.0 * (max(xs) - min(xs)) / med(xs)) if len(xs) > 1 and med(xs) else ""
cells = {}
for r in runs:
    if r.get("workload") != "tunnel-https-100MB" or not r["run"].get("bytes"): continue
    c = cells.setdefault(r["target"], {"rate": [], "cpu": [], "sys": [], "machine": [], "busy": []})
    mib = r["run"]["bytes"] / 2**20
    c["rate"].append(r["run"]["bytes_per_s"] / 2**20)
    c["cpu"].append(r["cpu_ticks"] * 1e6 / r["hz"] / mib)
    c["sys"].append(r.get("sys_ticks", 0) * 1e6 / r["hz"] / mib)
    if "machine_ticks" in r:  # every process on the machine, the generator and the origin too
        c["machine"].append(r["machine_ticks"] * 1e6 / r["hz"] / mib)
        c["busy"].append(r["machine_ticks"] / r["hz"] / r["run"]["elapsed_s"])
idle = {r["target"]: r for r in runs if r.get("workload") == "idle-tunnels"}
if not cells and not idle:
    sys.exit(0)  # no tunnel rows in this run (--intercept-only, --only)
direct = med(cells.get("direct", {}).get("rate", []))
d_machine = med(cells.get("direct", {}).get("machine", []))
print()
print("Tunnels: 100 MiB over HTTPS through CONNECT, one download at a time, all targets in turn each round "
      "(MiB/s and CPU per MiB: medians, ± = (max-min)/median); idle tunnels held at once. "
      "Machine: CPU of every process per MiB and busy cores (/proc/stat); bound: the share of "
      "direct's rate left if the proxy's own CPU per MiB is added to direct's machine CPU per MiB "
      "on a machine direct already keeps busy:")
print()
print("| target | MiB/s | of direct | CPU µs per MiB | user / sys µs per MiB | machine µs per MiB (busy cores) | bound | idle tunnels held | KiB per idle tunnel |")
print("|---|---|---|---|---|---|---|---|---|")
for t in ("gatehouse", "before", "e2guardian", "squid", "direct"):
    c = cells.get(t)
    if not c: continue
    rate = "%.0f%s (%.0f–%.0f)" % (med(c["rate"]), sp(c["rate"]), min(c["rate"]), max(c["rate"]))
    of = "%.0f%%" % (100 * med(c["rate"]) / direct) if direct else "n/a"
    cpu = "%.0f%s" % (med(c["cpu"]), sp(c["cpu"])) if t != "direct" else "—"
    split = "%.0f / %.0f" % (med([a - b for a, b in zip(c["cpu"], c["sys"])]), med(c["sys"])) if t != "direct" else "—"
    machine = "%.0f (%.2f)" % (med(c["machine"]), med(c["busy"])) if c["machine"] else "—"
    bound = ("%.0f%%" % (100 * d_machine / (d_machine + med(c["cpu"])))
             if d_machine and t != "direct" else "—")
    i = idle.get(t)
    held = "%d" % i["held"] if i else "—"
    kib = "%.1f" % ((i["rss_after_kib"] - i["rss_before_kib"]) / i["held"]) if i and i["held"] else "—"
    print("| %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (t, rate, of, cpu, split, machine, bound, held, kib))
PY
}
# === end of the e2guardian peer ======================================================
e2g_install

# --- build the generator (and gatehouse) if missing ----------------------------
load=$build/bench/load/load
if [ ! -x "$load" ] || [ -z "$gatehouse" ]; then
  [ -f "$build/build.ninja" ] || cmake -S "$src" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
  log "building bench_load in $build"
  ninja -C "$build" -j2 bench_load >/dev/null
fi
if [ -z "$gatehouse" ]; then  # not given: build it (a no-op when up to date)
  gatehouse=$build/proxy/gatehouse
  log "building gatehouse in $build (minutes on a fresh build dir)"
  ninja -C "$build" -j2 gatehouse >"$out/gatehouse-build.log" 2>&1 ||
    log "gatehouse does not build (see $out/gatehouse-build.log): its columns will be n/a"
fi

loadavg_start=$(cut -d' ' -f1-3 /proc/loadavg)
budget_end=$((SECONDS + 570))  # the bench itself (after any build) stays under 10 minutes

# --- temp dir, process bookkeeping ---------------------------------------------
tmp=$(mktemp -d /tmp/gh-bench.XXXXXX)
chmod 755 "$tmp"  # Squid reads its list and config as user proxy
pids=()
cleanup() {
  local p
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do
    for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$p" 2>/dev/null || true
    wait "$p" 2>/dev/null || true
  done
  if [ "$keep" = 1 ]; then log "kept $tmp"; else rm -rf "$tmp"; fi
  [ -z "${e2g_dir:-}" ] || rm -rf "$e2g_dir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
ulimit -n 200000 2>/dev/null || ulimit -n "$(ulimit -Hn)"
# A proxy holds two sockets per tunnel (gatehouse takes a splice pipe only
# while bytes move): keep the idle run inside the descriptor limit we got
# (20,000 hard here, so 10,000 tunnels cannot be opened on this machine).
fd_limit=$(ulimit -n)
if [ "$fd_limit" != unlimited ] && [ $((2 * idle + 1000)) -gt "$fd_limit" ]; then
  idle=$(((fd_limit - 1000) / 2))
  log "descriptor limit $fd_limit (hard): idle tunnels reduced to $idle"
fi
runs=$out/runs.jsonl
: >"$runs"

read -r p_http p_https p_gh p_admin p_squid p_ceiling p_before p_before_admin < <(python3 - <<'EOF'
import socket
socks = [socket.socket() for _ in range(8)]
for s in socks: s.bind(("127.0.0.1", 0))
print(*[s.getsockname()[1] for s in socks])
EOF
)

# Processes: CPU ticks and RSS summed over a process and its descendants.
proc_stat() {  # PID -> "ticks rss_kib sys_ticks"
  python3 - "$1" <<'EOF'
import os, sys
root = int(sys.argv[1])
kids = {}
for d in os.listdir("/proc"):
    if d.isdigit():
        try:
            with open(f"/proc/{d}/stat") as f:
                st = f.read()
        except OSError:
            continue
        ppid = int(st.rsplit(")", 1)[1].split()[1])
        kids.setdefault(ppid, []).append(int(d))
ticks = sys_ticks = rss = 0
todo = [root]
while todo:
    p = todo.pop()
    todo += kids.get(p, [])
    try:
        f = open(f"/proc/{p}/stat").read().rsplit(")", 1)[1].split()
        ticks += sum(int(x) for x in f[11:15])  # utime stime cutime cstime
        sys_ticks += int(f[12]) + int(f[14])  # stime cstime
        for line in open(f"/proc/{p}/status"):
            if line.startswith("VmRSS:"):
                rss += int(line.split()[1])
    except OSError:
        pass
print(ticks, rss, sys_ticks)
EOF
}

# --- the shared blocklist and the origins --------------------------------------
log "generating $domains domains"
blocked=$(python3 "$src/bench/gen_domains.py" --count "$domains" \
  --plain "$tmp/domains.txt" --squid "$tmp/domains.squid")
chmod 644 "$tmp"/domains.*
log "blocked host for the load: $blocked"

e2g_port_443  # sets listen_443 and p_tunnel (e2guardian block below)
# shellcheck source=bench/nginx_origin.sh
. "$src/bench/nginx_origin.sh"
nginx_origin_files "$tmp/nginx"
nginx_origin_conf "$tmp/nginx" "$(cat <<EOF
  keepalive_requests 10000000;
  keepalive_timeout 120s;
  client_header_timeout 600s;  # idle tunnels hold an unfinished request line: the origin must wait
  server {
    listen 127.0.0.1:$p_http;
    location = /small { default_type text/plain; return 200 "hello from the origin\n"; }
  }
  server {
    listen 127.0.0.1:$p_https ssl;
    $listen_443
    ssl_certificate $tmp/nginx/cert.pem;
    ssl_certificate_key $tmp/nginx/key.pem;
    location = /small { default_type text/plain; return 200 "hello from the origin\n"; }
  }
EOF
)" >"$tmp/nginx/nginx.conf"
nginx -p "$tmp/nginx/" -c "$tmp/nginx/nginx.conf" -e "$tmp/nginx/error.log" &
pids+=($!)

"$load" --serve-403 "$p_ceiling" -d 900 2>/dev/null &
pids+=($!)
ceiling_pid=$!

wait_http() {  # URL [proxy] -> waits (<= 10 s) until it answers
  for _ in $(seq 200); do
    if curl -sk -o /dev/null ${2:+-x "$2"} --max-time 1 "$1"; then return 0; fi
    sleep 0.05
  done
  return 1
}
wait_http "http://127.0.0.1:$p_http/small" || { cat "$tmp/nginx/error.log" >&2; exit 3; }
wait_http "https://127.0.0.1:$p_https/small" || { cat "$tmp/nginx/error.log" >&2; exit 3; }
log "nginx origins on :$p_http (http) and :$p_https (https)"

# --- the proxies ------------------------------------------------------------------
mkdir -p "$tmp/squid"
chmod 777 "$tmp/squid"
cat >"$tmp/squid/squid.conf" <<EOF
http_port 127.0.0.1:$p_squid
acl benchclients src 127.0.0.0/8
acl blocked dstdomain "$tmp/domains.squid"
http_access deny blocked
http_access allow benchclients
http_access deny all
cache deny all
workers 1
access_log none
cache_store_log none
cache_log $tmp/squid/cache.log
pid_filename $tmp/squid/squid.pid
coredump_dir $tmp/squid
max_filedescriptors 100000
shutdown_lifetime 1 seconds
pinger_enable off
netdb_filename none
EOF

mkdir -p "$tmp/gatehouse"
cat >"$tmp/gatehouse/gatehouse.yaml" <<EOF
listen:
  - { address: "127.0.0.1:$p_gh", mode: forward }
admin: { address: "127.0.0.1:$p_admin" }
clients: { allow: ["127.0.0.0/8"] }
connect: { ports: [443, $p_http, $p_https] }
include:
  domain_lists:
    - { file: "../domains.txt", category: public-cloud-storage, match: suffix }
policy:
  uncategorized: allow
  categories: { public-cloud-storage: block }
  no_sni: allow
  block_private_destinations: false   # the origins are on loopback
  non_tls_tunnel: allow   # the idle-tunnel workload holds a plain request line, not a TLS hello
audit:
  path: "audit.jsonl"
  fsync: "1s"
limits:
  max_connections: 100000
  max_connections_per_client: 100000
EOF

declare -A proxy_pid proxy_port startup rss_start
proxy_port[gatehouse]=$p_gh
proxy_port[before]=$p_before
proxy_port[squid]=$p_squid
start_proxy() {  # NAME CMD... -> proxy_pid[NAME], startup[NAME] (s), or n/a
  local name=$1; shift
  local t0 t1 code=""
  t0=$(date +%s.%N)
  "$@" >"$tmp/$name.out" 2>&1 &
  local pid=$!
  pids+=("$pid")
  # <= 120 s (Squid takes ~6 s with 1M rules on a quiet machine)
  code=$(await_status "$pid" 403 2400 0.05 -x "http://127.0.0.1:${proxy_port[$name]}" "http://$blocked/")
  if [ "$code" != 403 ]; then
    log "$name did not start (last answer '${code}'); its columns are n/a. Its output:"
    tail -20 "$tmp/$name.out" >&2
    kill "$pid" 2>/dev/null || true
    return 0
  fi
  t1=$(date +%s.%N)
  proxy_pid[$name]=$pid
  startup[$name]=$(python3 -c "print(f'{$t1 - $t0:.2f}')")
  sleep 1  # let start-up work settle before RSS
  rss_start[$name]=$(proc_stat "$pid" | cut -d' ' -f2)
  log "$name ready in ${startup[$name]} s, RSS $((rss_start[$name] / 1024)) MiB"
}
if [ -x "$gatehouse" ]; then
  start_proxy gatehouse env GATEHOUSE_THREADS="$gh_threads" "$gatehouse" serve \
    --config "$tmp/gatehouse/gatehouse.yaml"
else
  log "no gatehouse binary at $gatehouse: its columns are n/a"
fi
start_proxy squid squid -N -f "$tmp/squid/squid.conf"
if [ -n "$before_bin" ]; then
  # The same config on its own ports and audit file; keys an older build
  # does not know (non_tls_tunnel, before issue 10) are dropped for it.
  sed -e "s/127.0.0.1:$p_gh/127.0.0.1:$p_before/; s/127.0.0.1:$p_admin/127.0.0.1:$p_before_admin/" \
    -e 's/audit.jsonl/audit-before.jsonl/' "$tmp/gatehouse/gatehouse.yaml" >"$tmp/gatehouse/before.yaml"
  "$before_bin" check --config "$tmp/gatehouse/before.yaml" >/dev/null 2>&1 ||
    sed -i '/non_tls_tunnel/d' "$tmp/gatehouse/before.yaml"
  start_proxy before env GATEHOUSE_THREADS="$gh_threads" "$before_bin" serve \
    --config "$tmp/gatehouse/before.yaml"
fi

e2g_start

# --- authentication rows: set-up (bench/compare_auth.sh) ----------------------------
if [ "$auth" = 1 ]; then
  # shellcheck source=bench/compare_auth.sh
  . "$src/bench/compare_auth.sh"
  auth_setup
fi
# --- end of authentication set-up ------------------------------------------------------
# --- interception rows: set-up (bench/compare_intercept.sh) --------------------------
if [ "$intercept" = 1 ]; then
  budget_end=$((budget_end + 240))  # two proxies more, their rows and idle run
  # shellcheck source=bench/compare_intercept.sh
  . "$src/bench/compare_intercept.sh"
  intercept_setup
  intercept_idle "$intercept_idle_n"  # first: on processes whose heap the load has not grown
fi
# --- end of interception set-up ----------------------------------------------------------

# --- workloads ------------------------------------------------------------------------
# name | generator arguments (target appended per run)
small=http://127.0.0.1:$p_http/small
workloads=(
  "get-allowed-keepalive|--mode get --url $small -c 32 --expect-status 200"
  "get-allowed-newconn|--mode get --url $small -c 32 --new-connection --expect-status 200"
  "get-blocked-keepalive|--mode get --url http://$blocked/ -c 32 --expect-status 403"
  "get-blocked-newconn|--mode get --url http://$blocked/ -c 32 --new-connection --expect-status 403"
  "connect-blocked-keepalive|--mode connect --target $blocked:443 -c 32 --expect-status 403"
  "connect-blocked-newconn|--mode connect --target $blocked:443 -c 32 --new-connection --expect-status 403"
  "tunnel-https-100MB|--mode tunnel --url https://127.0.0.1:$p_tunnel/big -c 1"
)
if [ "$tunnel_only" = 1 ]; then  # bench/tunnel_peers.sh: the tunnel rows only
  workloads=("${workloads[@]: -1}")
fi

[ "$auth_only" = 1 ] && workloads=()
# https-* rows (bench/compare_intercept.sh) go to the gatehouse-tls and squid-tls proxies.
[ "$intercept" = 1 ] && workloads+=("${intercept_workloads[@]}")
[ "$intercept_only" = 1 ] && workloads=("${intercept_workloads[@]}")
if [ -n "$only" ]; then  # --only: a closer look at a few rows (more rounds in the same time)
  kept=()
  for entry in "${workloads[@]}"; do [[ ${entry%%|*} =~ $only ]] && kept+=("$entry"); done
  workloads=("${kept[@]}")
fi

# shellcheck source=bench/cpu_ticks.sh
. "$src/bench/cpu_ticks.sh"  # machine_busy
one_run() {  # WORKLOAD ROUND TARGET PID ARGS...
  local w=$1 r=$2 target=$3 pid=$4; shift 4
  if [ "$SECONDS" -ge "$budget_end" ]; then log "time budget used up: skipping $w/$target"; return; fi
  local before after sys_before sys_after line _rss m_before m_after
  read -r before _rss sys_before < <(proc_stat "$pid")
  m_before=$(machine_busy)
  line=$("$load" "$@" -d "$seconds" --label "$w" 2>>"$tmp/load.err" || true)
  m_after=$(machine_busy)
  read -r after _rss sys_after < <(proc_stat "$pid")
  [ -n "$line" ] || line='{"requests":0,"errors":1}'
  echo "{\"workload\":\"$w\",\"round\":$r,\"target\":\"$target\",\"cpu_ticks\":$((after - before)),\"sys_ticks\":$((sys_after - sys_before)),\"machine_ticks\":$((m_after - m_before)),\"hz\":$(getconf CLK_TCK),\"run\":$line}" >>"$runs"
}

order=(gatehouse squid)
[ -n "$before_bin" ] && order=(gatehouse before squid)
[ -n "${proxy_pid[e2guardian]:-}" ] && order+=(e2guardian)
for r in $(seq "$rounds"); do
  log "round $r of $rounds"
  for entry in "${workloads[@]}"; do
    w=${entry%%|*}
    args=${entry#*|}
    for name in "${order[@]}"; do
      [ -n "${proxy_pid[$name]:-}" ] || continue
      e2g_skips "$name" "$w" && continue
      pn=$name
      [[ $w == https-* ]] && pn=$name-tls  # the intercepting instances
      [ -n "${proxy_pid[$pn]:-}" ] || continue
      # shellcheck disable=SC2086
      one_run "$w" "$r" "$name" "${proxy_pid[$pn]}" $args --proxy "127.0.0.1:${proxy_port[$pn]}"
    done
    case $w in
      https-*) ;;  # no reference: nothing but a proxy answers inside the CONNECT
      tunnel-*)  # reference: the same download straight from the origin
        # shellcheck disable=SC2086
        one_run "$w" "$r" direct "$$" $args ;;
      get-allowed-*) ;;  # same generator shape as get-blocked-*: its ceiling is measured there
      *)  # reference: the generator against its own trivial 403 server
        # shellcheck disable=SC2086
        one_run "$w" "$r" ceiling "$ceiling_pid" $args --proxy "127.0.0.1:$p_ceiling" ;;
    esac
  done
  order=("${order[@]:1}" "${order[0]}")  # rotate who goes first
done

[ "$auth" = 1 ] && auth_rounds  # --- authentication rows (bench/compare_auth.sh) ---
[ "$intercept" = 1 ] && intercept_perf  # --- interception profile (bench/compare_intercept.sh) ---

# --- idle tunnels: memory per tunnel from the proxy's RSS --------------------------
for name in gatehouse squid e2guardian; do
  pid=${proxy_pid[$name]:-}
  [ -n "$pid" ] && [ "$idle" -gt 0 ] || continue
  [ "$auth_only" = 1 ] && continue
  [ "$intercept_only" = 1 ] && continue
  if [ $((SECONDS + 70)) -ge "$budget_end" ]; then log "time budget used up: no idle run for $name"; continue; fi
  rm -f "$tmp/idle.ready"
  before=$(proc_stat "$pid" | cut -d' ' -f2)
  "$load" --mode idle --proxy "127.0.0.1:${proxy_port[$name]}" --target "$(idle_target "$name")" \
    -c "$(idle_count "$name")" -d 80 --ready-file "$tmp/idle.ready" --label idle >"$tmp/idle.$name.json" 2>>"$tmp/load.err" &
  gen=$!
  pids+=("$gen")
  for _ in $(seq 600); do [ -s "$tmp/idle.ready" ] && break; sleep 0.1; done  # <= 60 s
  [ -s "$tmp/idle.ready" ] || log "$name: not every tunnel open after 60 s; measuring what is held"
  sleep 2  # let the proxy finish its per-tunnel work
  after=$(proc_stat "$pid" | cut -d' ' -f2)
  kill -TERM "$gen" 2>/dev/null || true  # the generator prints its line and closes the tunnels
  wait "$gen" 2>/dev/null || true
  gen_line=$(head -1 "$tmp/idle.$name.json")
  # tunnels held = opened (the generator's "requests") less any the proxy dropped meanwhile
  held=$(python3 -c 'import json,sys; r=json.loads(sys.argv[1] or "{}"); print(r.get("requests",0)-r.get("dropped",0))' "$gen_line")
  echo "{\"workload\":\"idle-tunnels\",\"target\":\"$name\",\"held\":${held:-0},\"rss_before_kib\":$before,\"rss_after_kib\":$after,\"generator\":${gen_line:-null}}" >>"$runs"
  log "$name: $held idle tunnels, RSS $before -> $after KiB"
  sleep 2  # let the proxy close the tunnels before the next one
done

# --- optional profile of gatehouse on the blocked GET ----------------------------
if [ "$perf" = 1 ] && [ "$intercept_only" = 0 ] && [ -n "${proxy_pid[gatehouse]:-}" ] && command -v perf >/dev/null; then
  "$load" --mode get --url "http://$blocked/" -c 32 -d 6 --proxy "127.0.0.1:$p_gh" >/dev/null 2>&1 &
  gen=$!
  perf record -F 999 -g -p "${proxy_pid[gatehouse]}" -o "$out/perf.data" -- sleep 5 >/dev/null 2>&1 || true
  wait "$gen" || true
  perf report -i "$out/perf.data" --no-children -g none --percent-limit 1 --stdio 2>/dev/null | grep -v '^$' | head -60 >"$out/perf.txt" || true
  log "perf profile of gatehouse (blocked GET) in $out/perf.txt"
fi

# --- the table ----------------------------------------------------------------------
for name in gatehouse squid; do
  echo "{\"workload\":\"startup\",\"target\":\"$name\",\"seconds\":${startup[$name]:-null},\"rss_kib\":${rss_start[$name]:-null}}" >>"$runs"
done
gh_built=$(date -u -r "$gatehouse" +%Y-%m-%dT%H:%MZ 2>/dev/null || echo '?')
versions="gatehouse binary built $gh_built (source tree HEAD $(cd "$src" && git rev-parse --short HEAD 2>/dev/null || echo '?')), $(squid -v | head -1), $(nginx -v 2>&1), $(openssl version | cut -d' ' -f1-2)"
versions="$versions; gatehouse event-loop threads $gh_threads (GATEHOUSE_THREADS), Squid workers 1"
[ "$intercept" = 1 ] && versions="$versions, interception: $("$isq_bin" -v | head -1) (squid-openssl)"
versions="$versions; load average before $loadavg_start, after $(cut -d' ' -f1-3 /proc/loadavg)"
[ -z "${proxy_pid[e2guardian]:-}" ] || versions="$versions, $(e2guardian -v 2>&1 | sed -n 1p) (httpworkers $e2g_workers)"
python3 - "$runs" "$versions" <<'EOF' | tee "$out/table.md"
import json, statistics, sys

runs = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
def med(xs): return statistics.median(xs) if xs else None
def spread(xs):  # (max - min) / median, in percent
    m = med(xs)
    return 100.0 * (max(xs) - min(xs)) / m if xs and m else None
def fmt(x, unit=""):
    if x is None: return "n/a"
    if abs(x) >= 100: return f"{x:,.0f}{unit}"
    return f"{x:.2f}{unit}" if abs(x) < 10 else f"{x:.1f}{unit}"
def ratio(a, b): return f"{a / b:.2f}" if a is not None and b else "n/a"

rows = {}
for r in runs:
    if "run" not in r: continue
    run = r["run"]
    tunnel = r["workload"].startswith("tunnel")
    cell = rows.setdefault(r["workload"], {}).setdefault(r["target"], {"rate": [], "cpu": [], "sys": [], "p99": [], "err": 0})
    n = run.get("requests", 0)
    cell["err"] += run.get("errors", 0)
    if not n: continue
    cell["rate"].append(run["bytes_per_s"] / 2**20 if tunnel else run["rps"])
    cpu_us = r["cpu_ticks"] * 1e6 / r["hz"]
    # per request; for tunnels per MiB moved
    per = run["bytes"] / 2**20 if tunnel else n
    cell["cpu"].append(cpu_us / per)
    cell["sys"].append(r.get("sys_ticks", 0) * 1e6 / r["hz"] / per)
    cell["p99"].append(run["p99_us"])

print("| workload | gatehouse req/s | gatehouse CPU µs/req | gatehouse p99 µs | Squid req/s | Squid CPU µs/req | Squid p99 µs | reference req/s | CPU gh/Squid | req/s gh/Squid | req/s gh/ref |")
print("|---|---|---|---|---|---|---|---|---|---|---|")
for w, cells in rows.items():
    g, s = cells.get("gatehouse", {}), cells.get("squid", {})
    ref_name = "direct" if "direct" in cells else "ceiling" if "ceiling" in cells else None
    if ref_name is None and w.startswith("get-allowed"):
        ref_name, cells = "ceiling", dict(cells, ceiling=rows.get(w.replace("allowed", "blocked"), {}).get("ceiling", {}))
    ref = cells.get(ref_name, {}) if ref_name else {}
    def c(cell, key, unit=""):
        xs = cell.get(key, [])
        if not xs: return "n/a"
        sp = spread(xs)
        return fmt(med(xs), unit) + (f" ±{sp:.0f}%" if sp is not None and len(xs) > 1 else "")
    errs = "".join(f" ({t} errors: {cells[t]['err']})" for t in ("gatehouse", "squid") if cells.get(t, {}).get("err"))
    label = w + (" [MiB/s; CPU µs/MiB]" if w.startswith("tunnel") else "") + errs
    print(f"| {label} | {c(g,'rate')} | {c(g,'cpu')} | {c(g,'p99')} | {c(s,'rate')} | {c(s,'cpu')} | {c(s,'p99')} | "
          f"{c(ref,'rate')} ({ref_name or '-'}) | {ratio(med(g.get('cpu', [])), med(s.get('cpu', [])))} | "
          f"{ratio(med(g.get('rate', [])), med(s.get('rate', [])))} | {ratio(med(g.get('rate', [])), med(ref.get('rate', [])))} |")
print()
print("CPU per request split into user and system (kernel) time, medians:")
print()
print("| workload | gatehouse user µs | gatehouse sys µs | Squid user µs | Squid sys µs |")
print("|---|---|---|---|---|")
for w, cells in rows.items():
    g, s = cells.get("gatehouse", {}), cells.get("squid", {})
    def us(cell, key):
        c, k = cell.get("cpu", []), cell.get("sys", [])
        if not c: return "n/a"
        return fmt(med(k)) if key == "sys" else fmt(med([a - b for a, b in zip(c, k)]))
    print(f"| {w} | {us(g,'user')} | {us(g,'sys')} | {us(s,'user')} | {us(s,'sys')} |")
print()
print("| proxy | start-up s (to first 403) | RSS MiB with the list | idle tunnels held (failed) | KiB per idle tunnel |")
print("|---|---|---|---|---|")
for name in ("gatehouse", "squid"):
    st = next((r for r in runs if r["workload"] == "startup" and r["target"] == name), {})
    idle = next((r for r in runs if r["workload"] == "idle-tunnels" and r["target"] == name), None)
    rss = st.get("rss_kib")
    per = None
    if idle and idle["held"]:
        per = (idle["rss_after_kib"] - idle["rss_before_kib"]) / idle["held"]
    print(f"| {name} | {fmt(st.get('seconds'))} | {fmt(rss / 1024 if rss else None)} | "
          f"{idle['held'] if idle else 'n/a'} ({(idle.get('generator') or {}).get('errors', '?') if idle else '-'}) | {fmt(per)} |")
print()
print(f"Medians of the rounds, ± = (max-min)/median. Versions: {sys.argv[2]}.")
if any(r.get("target") == "before" for r in runs if "run" in r):
    print()
    print("Before (--before) and after (this gatehouse), same run, CPU µs per request (tunnel: per MiB):")
    print()
    print("| workload | before CPU µs | after CPU µs | after/before | before req/s | after req/s |")
    print("|---|---|---|---|---|---|")
    for w, cells in rows.items():
        b, a = cells.get("before", {}), cells.get("gatehouse", {})
        def cs(cell, key):
            xs = cell.get(key, [])
            if not xs: return "n/a"
            sp = spread(xs)
            return fmt(med(xs)) + (f" ±{sp:.0f}%" if sp is not None and len(xs) > 1 else "")
        print(f"| {w} | {cs(b,'cpu')} | {cs(a,'cpu')} | {ratio(med(a.get('cpu', [])), med(b.get('cpu', [])))} | "
              f"{cs(b,'rate')} | {cs(a,'rate')} |")
EOF
e2g_tunnel_table "$runs" | tee -a "$out/table.md"
[ "$auth" = 1 ] && auth_table  # --- authentication rows (bench/compare_auth.sh) ---
[ "$intercept" = 1 ] && intercept_table  # --- interception rows (bench/compare_intercept.sh) ---
log "runs in $runs, table in $out/table.md"
