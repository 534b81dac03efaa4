#!/usr/bin/env bash
# matcher_bench in several processes, old / new ratio per process (bench/README.md,
# "Matcher"; docs/matcher.md, "Measured").
#
# Where the matchers' tables land in physical memory changes from one process
# to the next, and with it how much of a lookup's working set this machine's
# last-level cache keeps: the same binary has measured the old table's
# back-to-back hit at 137 ns in one process and 422 ns in the next, while old / new in one process
# moved by a few per cent. So each process prints its own ratios, and this
# script reports, per measure, the median and range over the processes of
# old ns, new ns and old / new.
#
# -b more than once compares builds (an A/B of a change): each round runs
# every binary once, in turn, so a change of load touches them alike, and
# each binary gets its own table.
#
#   bench/matcher_runs.sh [-n PROCESSES] [-b MATCHER_BENCH]... [-- extra matcher_bench flags]
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
bins=()
runs=5
while [[ $# -gt 0 ]]; do
  case "$1" in
    -n) runs="$2"; shift 2 ;;
    -b) bins+=("$2"); shift 2 ;;
    --) shift; break ;;
    *) echo "usage: $0 [-n PROCESSES] [-b MATCHER_BENCH]... [-- flags]" >&2; exit 2 ;;
  esac
done
[[ ${#bins[@]} -gt 0 ]] || bins=("$here/../build/bench/matcher_bench")
for bin in "${bins[@]}"; do
  [[ -x "$bin" ]] || { echo "no matcher_bench at $bin (ninja -C build matcher_bench)" >&2; exit 1; }
done
[[ "$runs" =~ ^[1-9][0-9]?$ ]] || { echo "-n: 1 to 99 processes" >&2; exit 2; }

out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
for i in $(seq "$runs"); do
  for b in "${!bins[@]}"; do
    echo "process $i of $runs, ${bins[$b]}: $(date -u +%H:%M:%S), load $(cut -d' ' -f1 /proc/loadavg)" >&2
    "${bins[$b]}" --benchmark_out="$out/b$b-run$i.json" --benchmark_out_format=json \
      --benchmark_min_time=0.2 "$@" >"$out/b$b-run$i.txt" 2>&1
  done
done

python3 - "$out" "$runs" "${bins[@]}" <<'PY'
import json, re, statistics, sys

out, runs, bins = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
rows = [
    ("BM_Compile1M", "compile 1M rules", 1e-6, "ms"),
    ("BM_LookupHit", "lookup, hit", 1, "ns"),
    ("BM_LookupMiss", "lookup, miss", 1, "ns"),
    ("BM_LookupDeep6", "lookup, six-label name", 1, "ns"),
    ("BM_LookupHitDependent", "lookup, hit, one at a time", 1, "ns"),
    ("BM_LookupMissDependent", "lookup, miss, one at a time", 1, "ns"),
    ("BM_LookupDeep6Dependent", "lookup, six-label name, one at a time", 1, "ns"),
    ("BM_LookupRealNames", "lookup, real host names (cache-hot)", 1, "ns"),
    ("BM_CanonicalizeAndLookup", "canonicalise + lookup", 1, "ns"),
]
UNIT = {"ns": 1, "us": 1e3, "ms": 1e6, "s": 1e9}
def process_times(path):
    """name -> CPU ns (median of its repetitions) in one process's JSON."""
    times = {}
    for b in json.load(open(path))["benchmarks"]:
        if b.get("run_type") == "aggregate" or b.get("error_occurred"):
            continue
        name = b["run_name"].split("/iterations:")[0]
        times.setdefault(name, []).append(b["cpu_time"] * UNIT[b["time_unit"]])
    return {k: statistics.median(v) for k, v in times.items()}


def spread(values, fmt):
    return f"{fmt(statistics.median(values))} [{fmt(min(values))}–{fmt(max(values))}]"


def report(per):
    print("| measure | old | new | old / new |\n|---|---|---|---|")
    for name, label, scale, unit in rows:
        pairs = [(p[f"old/{name}"], p[f"new/{name}"]) for p in per
                 if f"old/{name}" in p and f"new/{name}" in p]
        if not pairs:
            continue
        num = lambda v: f"{v * scale:.0f}" if v * scale >= 100 else f"{v * scale:.1f}"
        print(f"| {label} ({unit}) | {spread([o for o, _ in pairs], num)} "
              f"| {spread([n for _, n in pairs], num)} "
              f"| {spread([o / n for o, n in pairs], lambda r: f'{r:.2f}')} |")
    # Rows named by their sizes ("64MiB", "8lines+256adds"), in numeric order.
    sizes = lambda k: [int(x) for x in re.findall(r"\d+", k.split("/")[-1])]
    for prefix, title in (("mem/BM_PointerChase/", "Pointer chase"),
                          ("mem/BM_LineGroups/", "Random groups of adjacent lines, back to back"),
                          ("mem/BM_LinesAndWork/",
                           "Random groups of adjacent lines + additions, back to back"),
                          ("mem/BM_WorkAfterRead/",
                           "A read that misses, then instructions that wait for it and ones "
                           "that do not, back to back")):
        mem = [(k.split("/")[-1], [p[k] for p in per if k in p])
               for k in sorted({k for p in per for k in p if k.startswith(prefix)}, key=sizes)]
        if mem:
            print(f"\n{title} (ns, median [min–max]): " +
                  "; ".join(f"{size} {spread(v, lambda x: f'{x:.0f}')}" for size, v in mem))


for b, path in enumerate(bins):
    print(f"\n{path}: {runs} processes; each cell: median [min–max] over the processes\n")
    report([process_times(f"{out}/b{b}-run{i}.json") for i in range(1, runs + 1)])
PY
for b in "${!bins[@]}"; do
  echo "${bins[$b]}: $(grep -a "^| bytes per rule" "$out/b$b-run1.txt")"
done
