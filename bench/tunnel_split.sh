#!/usr/bin/env bash
# Where the CPU of a tunnelled download goes, process by process (issue 16,
# "Tunnels at the wire"; bench/README.md "Tunnel CPU split"): a 100 MiB file
# over HTTPS from a local nginx, one download at a time, direct and through
# gatehouse's CONNECT tunnel in turn. Per MiB moved it prints the CPU of
# gatehouse, of the nginx worker, of the client (the bench generator) and of
# the whole machine (/proc/stat: user nice system irq softirq), and how many
# cores were busy. On a machine the direct download already keeps busy, the
# relay's rate is bounded by the machine CPU it adds per MiB, wherever that
# CPU is spent.
#
#   bench/tunnel_split.sh [--rounds 3] [--seconds 4] [--gatehouse BIN] [--build DIR]
#
# Loopback only; every process started is stopped by PID. Needs nginx and the
# generator (bench/compare.sh installs and builds them).
set -euo pipefail

src=$(cd "$(dirname "$0")/.." && pwd)
build=$src/build
rounds=3
seconds=4
gatehouse=""
while [ $# -gt 0 ]; do
  case $1 in
    --rounds) rounds=$2; shift 2 ;;
    --seconds) seconds=$2; shift 2 ;;
    --gatehouse) gatehouse=$2; shift 2 ;;
    --build) build=$2; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
[ -n "$gatehouse" ] || gatehouse=$build/proxy/gatehouse
load=$build/bench/load/load
for f in "$gatehouse" "$load"; do
  [ -x "$f" ] || { echo "missing $f (build first)" >&2; exit 2; }
done
command -v nginx >/dev/null || { echo "nginx is not installed (bench/compare.sh installs it)" >&2; exit 2; }

# shellcheck source=bench/scratch.sh
. "$src/bench/scratch.sh"
scratch_init gh-tunnel-split
p_origin=$(free_port)
p_gh=$(free_port)
p_admin=$(free_port)

# shellcheck source=bench/nginx_origin.sh
. "$src/bench/nginx_origin.sh"
nginx_origin_files "$tmp/nginx"
mkdir -p "$tmp/gh"
nginx_origin_conf "$tmp/nginx" "$(cat <<EOF
  server {
    listen 127.0.0.1:$p_origin ssl;
    ssl_certificate $tmp/nginx/cert.pem;
    ssl_certificate_key $tmp/nginx/key.pem;
  }
EOF
)" >"$tmp/nginx/nginx.conf"
cat >"$tmp/gh/gatehouse.yaml" <<EOF
listen:
  - { address: "127.0.0.1:$p_gh", mode: forward }
admin: { address: "127.0.0.1:$p_admin" }
clients: { allow: ["127.0.0.0/8"] }
connect: { ports: [$p_origin] }
policy:
  uncategorized: allow
  no_sni: allow
  block_private_destinations: false   # the origin is on loopback
audit:
  path: "audit.jsonl"
  fsync: "1s"
EOF

nginx -p "$tmp/nginx/" -c "$tmp/nginx/nginx.conf" -e "$tmp/nginx/error.log" &
pids+=($!)
nginx_master=$!
(cd "$tmp/gh" && GATEHOUSE_THREADS=1 exec "$gatehouse" serve --config gatehouse.yaml) \
  >"$tmp/gh/out.log" 2>&1 &
pids+=($!)
gh_pid=$!
for _ in $(seq 100); do  # <= 10 s for both to listen
  worker=$(pgrep -P "$nginx_master" | head -1 || true)
  if [ -n "$worker" ] && curl -sk -o /dev/null "https://127.0.0.1:$p_origin/big" -r 0-0 &&
    curl -s -o /dev/null "http://127.0.0.1:$p_admin/metrics"; then
    break
  fi
  sleep 0.1
done
[ -n "${worker:-}" ] || { echo "nginx did not start" >&2; cat "$tmp/nginx/error.log" >&2; exit 3; }

# shellcheck source=bench/cpu_ticks.sh
. "$src/bench/cpu_ticks.sh"
reaped() { awk '{print $16 + $17}' "/proc/$$/stat"; }       # cutime + cstime: the generator, once reaped

one() {  # LABEL [load args...]
  local label=$1; shift
  local b0 g0 n0 c0 out b1 g1 n1 c1
  b0=$(machine_busy); g0=$(proc_ticks "$gh_pid"); n0=$(proc_ticks "$worker"); c0=$(reaped)
  out=$("$load" --mode tunnel --url "https://127.0.0.1:$p_origin/big" -c 1 -d "$seconds" "$@")
  b1=$(machine_busy); g1=$(proc_ticks "$gh_pid"); n1=$(proc_ticks "$worker"); c1=$(reaped)
  python3 - "$label" "$out" $((b1 - b0)) $((g1 - g0)) $((n1 - n0)) $((c1 - c0)) "$(getconf CLK_TCK)" <<'PY'
import json, sys
label, run = sys.argv[1], json.loads(sys.argv[2])
machine, gh, nginx, client, hz = (int(x) for x in sys.argv[3:])
mib = run["bytes"] / 2**20
us = lambda t: t * 1e6 / hz / mib
print("| %s | %.0f | %.0f | %s | %.0f | %.0f | %.0f | %.2f |" % (
    label, run["bytes_per_s"] / 2**20, us(machine), "%.0f" % us(gh) if label != "direct" else "—",
    us(nginx), us(client), us(machine - gh - nginx - client), machine / hz / run["elapsed_s"]))
PY
}

echo "| download | MiB/s | machine µs/MiB | gatehouse µs/MiB | nginx µs/MiB | client µs/MiB | rest µs/MiB | busy cores |"
echo "|---|---|---|---|---|---|---|---|"
for _ in $(seq "$rounds"); do
  one direct
  one gatehouse --proxy "127.0.0.1:$p_gh"
done
echo
echo "gatehouse $gatehouse (built $(date -u -r "$gatehouse" +%FT%TZ)), $(nginx -v 2>&1), $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
