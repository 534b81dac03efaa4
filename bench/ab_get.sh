#!/usr/bin/env bash
# Two gatehouse binaries, CPU per allowed GET, on cores of their own (issue
# 12, "no regression on flows that are not decrypted"; bench/README.md
# "Before and after, pinned"). compare.sh's rows saturate a core, so its CPU
# per request moves with how the scheduler places the proxy, the generator and
# nginx (±20-45 % between rounds). Here each proxy runs pinned to core 1, nginx
# and the generator to core 0, and one connection asks one request at a time:
# the proxy is never saturated and the placement never changes.
#
#   bench/ab_get.sh --a BIN --b BIN [--rounds 6] [--seconds 3] [--build DIR]
#
# Prints, per workload (keep-alive, a new connection per request), each
# round's CPU µs per request of A and B (who goes first alternates) and the
# median of the same-round ratios A / B. Loopback only; every process started
# is stopped by PID. Needs nginx and the generator (bench/compare.sh installs
# and builds them) and two cores.
set -euo pipefail

src=$(cd "$(dirname "$0")/.." && pwd)
build=$src/build
rounds=6
seconds=3
a="" b=""
while [ $# -gt 0 ]; do
  case $1 in
    --a) a=$2; shift 2 ;;
    --b) b=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --seconds) seconds=$2; shift 2 ;;
    --build) build=$2; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
load=$build/bench/load/load
for f in "$a" "$b" "$load"; do
  [ -x "$f" ] || { echo "missing binary '$f' (--a and --b are gatehouse binaries)" >&2; exit 2; }
done
a=$(realpath "$a")
b=$(realpath "$b")
[ "$(nproc)" -ge 2 ] || { echo "needs two cores" >&2; exit 2; }

# shellcheck source=bench/scratch.sh
. "$src/bench/scratch.sh"
scratch_init gh-ab-get
p_origin=$(free_port)

# shellcheck source=bench/nginx_origin.sh
. "$src/bench/nginx_origin.sh"
nginx_origin_files "$tmp/nginx"
nginx_origin_conf "$tmp/nginx" "$(cat <<EOF
  server {
    listen 127.0.0.1:$p_origin;
    location = /small { default_type text/plain; return 200 "hello from the origin\n"; }
  }
EOF
)" >"$tmp/nginx/nginx.conf"
taskset -c 0 nginx -p "$tmp/nginx/" -c "$tmp/nginx/nginx.conf" -e "$tmp/nginx/error.log" &
pids+=($!)

declare -A port pid
for side in a b; do
  port[$side]=$(free_port)
  mkdir -p "$tmp/$side"
  cat >"$tmp/$side/gatehouse.yaml" <<EOF
listen:
  - { address: "127.0.0.1:${port[$side]}", mode: forward }
admin: { address: "127.0.0.1:$(free_port)" }
clients: { allow: ["127.0.0.0/8"] }
policy:
  uncategorized: allow
  block_private_destinations: false   # the origin is on loopback
audit:
  path: "audit.jsonl"
  fsync: "1s"
EOF
  bin=$a
  [ "$side" = b ] && bin=$b
  (cd "$tmp/$side" && GATEHOUSE_THREADS=1 exec taskset -c 1 "$bin" serve --config gatehouse.yaml) \
    >"$tmp/$side/out.log" 2>&1 &
  pids+=($!)
  pid[$side]=$!
done
for side in a b; do  # <= 10 s to answer through each
  for _ in $(seq 100); do
    curl -s -o /dev/null -x "127.0.0.1:${port[$side]}" "http://127.0.0.1:$p_origin/small" && break
    sleep 0.1
  done
  kill -0 "${pid[$side]}" 2>/dev/null || { echo "gatehouse $side did not start:" >&2; cat "$tmp/$side/out.log" >&2; exit 3; }
done

# shellcheck source=bench/cpu_ticks.sh
. "$src/bench/cpu_ticks.sh"
one() {  # SIDE ARGS... -> "cpu_us_per_request requests errors"
  local side=$1; shift
  local t0 t1 out
  t0=$(proc_ticks "${pid[$side]}")
  out=$(taskset -c 0 "$load" --mode get --url "http://127.0.0.1:$p_origin/small" -c 1 \
    -d "$seconds" --proxy "127.0.0.1:${port[$side]}" "$@")
  t1=$(proc_ticks "${pid[$side]}")
  python3 -c 'import json, sys
o = json.loads(sys.argv[1])
print("%.1f %d %d" % ((int(sys.argv[3]) - int(sys.argv[2])) * 1e6 / int(sys.argv[4]) / max(o["requests"], 1),
                      o["requests"], o["errors"]))' "$out" "$t0" "$t1" "$(getconf CLK_TCK)"
}

for mode in keepalive newconn; do
  extra=()
  [ "$mode" = newconn ] && extra=(--new-connection)
  echo "## get-allowed-$mode: CPU µs per request (requests, errors)"
  ratios=()
  for r in $(seq "$rounds"); do
    if [ $((r % 2)) = 1 ]; then
      ra=$(one a "${extra[@]}"); rb=$(one b "${extra[@]}")
    else
      rb=$(one b "${extra[@]}"); ra=$(one a "${extra[@]}")
    fi
    read -r ca na ea <<<"$ra"
    read -r cb nb eb <<<"$rb"
    ratios+=("$(python3 -c "print('%.3f' % ($ca / $cb))")")
    echo "round $r: A $ca ($na, $ea)  B $cb ($nb, $eb)  A/B ${ratios[-1]}"
  done
  python3 -c 'import statistics, sys
v = [float(x) for x in sys.argv[1:]]
print("median A/B %.3f (%.3f-%.3f)" % (statistics.median(v), min(v), max(v)))' "${ratios[@]}"
done
echo "A $a, B $b; load average $(cut -d' ' -f1-3 /proc/loadavg)"
