#!/usr/bin/env bash
# A fuzzing campaign measured in CPU time, not wall time (tests/fuzz/README.md
# "Runs"): each target runs under `nice -n 19` (FUZZ_NICE sets another) until its process has used
# CPU_MINUTES of user+sys CPU (read from /proc/PID/stat), then gets SIGINT,
# on which libFuzzer prints its final stats and exits cleanly. On a shared
# machine the wall time is longer; the CPU time is what the table reports.
#
#   tests/fuzz/campaign.sh [-j N] [-m CPU_MINUTES] target...
#
# Each target's log, new inputs and any crash go to $FUZZ_WORK/<target>/
# (default /tmp/gatehouse-campaign). A summary line per finished target is
# appended to $FUZZ_WORK/summary.tsv: target, CPU seconds, executions,
# edges (cov), features (ft), new units, crash files.
# The fuzz build must exist (tests/fuzz/run.sh builds it).
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${FUZZ_BUILD_DIR:-$root/build-fuzz}
work=${FUZZ_WORK:-/tmp/gatehouse-campaign}
jobs=1 minutes=30
while getopts "j:m:" o; do
  case $o in
    j) jobs=$OPTARG ;;
    m) minutes=$OPTARG ;;
    *) exit 2 ;;
  esac
done
shift $((OPTIND - 1))
[ $# -gt 0 ] || { echo "campaign.sh: name at least one target" >&2; exit 2; }
mkdir -p "$work"
hz=$(getconf CLK_TCK)

cpu_seconds() {  # PID -> user+sys seconds of that process (fields 14 and 15)
  awk -v hz="$hz" '{ sub(/^.*\) /, ""); print int(($12 + $13) / hz) }' "/proc/$1/stat" 2>/dev/null
}

run_one() {  # TARGET
  local t=$1 bin=$build/tests/fuzz/fuzz_$1 dir=$work/$1 limit=$((minutes * 60)) pid used=0
  [ -x "$bin" ] || { echo "campaign.sh: $bin is missing" >&2; return 1; }
  mkdir -p "$dir/new"
  rm -f "$dir"/timeout-* "$dir"/slow-unit-*
  # -timeout is wall time per input: a niced process on a busy machine can
  # wait seconds for a core, so a short one reports starvation as a hang.
  (cd "$dir" && exec nice -n "${FUZZ_NICE:-19}" "$bin" -timeout=300 -rss_limit_mb=2048 -print_final_stats=1 \
      -artifact_prefix="$dir/" new "$root/tests/fuzz/corpus/$t") >"$dir/log" 2>&1 &
  pid=$!
  # Bounded: CPU_MINUTES of CPU, and never more than 12 times that in wall time.
  local deadline=$((SECONDS + limit * 12))
  while kill -0 "$pid" 2>/dev/null; do
    used=$(cpu_seconds "$pid")
    if [ "${used:-0}" -ge "$limit" ] || [ "$SECONDS" -ge "$deadline" ]; then
      kill -INT "$pid" 2>/dev/null
      break
    fi
    sleep 5
  done
  wait "$pid"
  local execs cov ft units crashes
  execs=$(grep -o 'stat::number_of_executed_units: [0-9]*' "$dir/log" | awk '{print $2}')
  units=$(grep -o 'stat::new_units_added: [0-9]*' "$dir/log" | awk '{print $2}')
  cov=$(grep -o 'cov: [0-9]*' "$dir/log" | tail -1 | awk '{print $2}')
  ft=$(grep -o 'ft: [0-9]*' "$dir/log" | tail -1 | awk '{print $2}')
  crashes=$(find "$dir" -maxdepth 1 -name 'crash-*' -o -maxdepth 1 -name 'leak-*' -o -maxdepth 1 -name 'timeout-*' | wc -l)
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$t" "$used" "${execs:-?}" "${cov:-?}" "${ft:-?}" \
    "${units:-?}" "$crashes" >>"$work/summary.tsv"
}

running=0
for t in "$@"; do
  run_one "$t" &
  running=$((running + 1))
  if [ "$running" -ge "$jobs" ]; then
    wait -n
    running=$((running - 1))
  fi
done
wait
cat "$work/summary.tsv"
