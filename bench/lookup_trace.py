#!/usr/bin/env python3
"""Where a hit's instructions fall around its memory accesses (docs/matcher.md,
"Measured", fourteenth session).

Back to back, a lookup overlaps the next one's memory only if the
instructions from its first read of the home's lines to the next lookup's
prefetch fit in the core's window of instructions in flight. This single-steps
one DomainMatcher lookup in gdb, and the bench's loop to the next lookup, and
prints how many instructions come before the first prefetch of the home's
lines, from the read of `heads_` (the first read on the lines' path; the
chunk's header is read a few instructions later) to the return, and in the
bench's loop. Needs a build with -g (it names the source lines):

  cmake -S . -B /tmp/gh-prof -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_FLAGS=-g
  ninja -C /tmp/gh-prof matcher_bench
  bench/lookup_trace.py /tmp/gh-prof/bench/matcher_bench [LOOKUPS]

LOOKUPS (default 3): how many lookups to trace, after skipping the first 20.
"""
import os
import subprocess
import sys
import tempfile

GDB_SCRIPT = r'''
import gdb
gdb.execute("set pagination off")
gdb.execute("break gh::DomainMatcher::lookup_impl<false>")
gdb.execute("run")
entry = int(gdb.parse_and_eval("$pc"))
gdb.execute("delete")
gdb.execute("break *%d" % entry)
gdb.execute("continue 20")
out = open(OUT, "w")
for _ in range(LOOKUPS):
    steps = []
    while len(steps) < 20000:
        text = gdb.execute("x/i $pc", to_string=True)
        steps.append(text.split(":", 1)[-1].strip().replace("\n", " "))
        gdb.execute("stepi", to_string=True)
        if int(gdb.parse_and_eval("$pc")) == entry:
            break
    out.write("\t".join(steps) + "\n")
out.close()
gdb.execute("kill")
'''


def summarize(steps):
    ret = next(i for i, s in enumerate(steps) if s.split()[:1] == ["ret"])
    prefetches = [i for i, s in enumerate(steps[:ret]) if s.startswith("prefetcht0")]
    heads = [i for i, s in enumerate(steps[:ret]) if s.startswith("movzwl")]
    line_prefetch = prefetches[1] if len(prefetches) > 1 else -1  # the first is heads_'s
    read = heads[-1] if heads else -1
    return {
        "lookup": ret + 1,
        "bench loop": len(steps) - ret - 1,
        "before the lines' first prefetch": line_prefetch,
        "from the heads_ read to the return": ret - read if read >= 0 else -1,
    }


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    binary = sys.argv[1]
    lookups = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "steps.txt")
        script = os.path.join(tmp, "trace.py")
        with open(script, "w") as f:
            f.write("OUT = %r\nLOOKUPS = %d\n" % (out, lookups) + GDB_SCRIPT)
        env = dict(os.environ, GH_MATCHER_HOSTS="1024")
        subprocess.run(["gdb", "-q", "-batch", "-x", script, "--args", binary,
                        "--benchmark_filter=new/BM_LookupHit$", "--benchmark_min_time=0.01"],
                       env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                       timeout=600, check=False)
        if not os.path.exists(out):
            sys.exit("lookup_trace: gdb wrote no trace (is gdb installed, the build -g?)")
        with open(out) as f:
            traces = [line.rstrip("\n").split("\t") for line in f if line.strip()]
    for n, steps in enumerate(traces, 1):
        figures = ", ".join("%s %d" % kv for kv in summarize(steps).items())
        print("lookup %d: %s" % (n, figures))


if __name__ == "__main__":
    main()
