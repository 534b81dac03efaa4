#!/usr/bin/env bash
# Builds the libFuzzer targets with clang 14 (ASan + UBSan) and runs each for
# a short while on a scratch copy of its seed corpus. Not part of ctest.
#
#   tests/fuzz/run.sh                  every target, 60 s each
#   FUZZ_SECONDS=600 tests/fuzz/run.sh client_hello proxy_protocol
#
# Crashes are written to $FUZZ_WORK/<target>/crash-* (default /tmp/gatehouse-fuzz);
# the script exits 1 if any target crashed. Add a minimised crasher to
# tests/fuzz/corpus/<target>/ once fixed, so the replay test keeps it fixed.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${FUZZ_BUILD_DIR:-$root/build-fuzz}
work=${FUZZ_WORK:-/tmp/gatehouse-fuzz}
seconds=${FUZZ_SECONDS:-60}
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  for f in "$root"/tests/fuzz/*_fuzz.cpp; do
    t=$(basename "$f" _fuzz.cpp)
    targets+=("$t")
  done
fi

command -v clang++-14 >/dev/null || { echo "run.sh: clang++-14 is needed (apt-get install clang-14 libclang-rt-14-dev)" >&2; exit 2; }
CC=clang-14 CXX=clang++-14 cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DGATEHOUSE_FUZZ=ON -DGATEHOUSE_BENCH=OFF -DBUILD_TESTING=ON >/dev/null
ninja -C "$build" -j "$(nproc)" "${targets[@]/#/fuzz_}"

failed=()
for t in "${targets[@]}"; do
  mkdir -p "$work/$t/corpus"
  echo "== fuzz_$t for ${seconds}s"
  # New inputs go to the scratch corpus (first directory); the seeds are read only.
  if ! (cd "$work/$t" && timeout $((seconds + 60)) "$build/tests/fuzz/fuzz_$t" \
      -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
      -artifact_prefix="$work/$t/" corpus "$root/tests/fuzz/corpus/$t" >"$work/$t/log" 2>&1); then
    failed+=("$t")
    grep -E "ERROR|SUMMARY" "$work/$t/log" | head -5 || true
  fi
  grep -E "^stat::(number_of_executed_units|average_exec_per_sec|new_units_added)" "$work/$t/log" || true
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "run.sh: crashes in: ${failed[*]} (see $work/<target>/)" >&2
  exit 1
fi
echo "run.sh: no crash in ${targets[*]}"
