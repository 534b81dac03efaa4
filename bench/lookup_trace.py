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
bench's loop; and the window from the read to the next lookup's prefetch,
with how many of its instructions write a general register (the limit
that `mem/BM_WorkAfterRead` in matcher_bench measures). Needs a build with
-g (it names the source lines):

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
gdb.execute("break " + ENTRY)
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
        # "=> ADDRESS <SYMBOL+OFFSET>:\tINSTRUCTION": a demangled symbol has
        # colons of its own (the bench's loop's does), and the tab separates
        # steps in OUT.
        steps.append(text.rsplit(":\t", 1)[-1].strip().replace("\n", " ").replace("\t", " "))
        gdb.execute("stepi", to_string=True)
        if int(gdb.parse_and_eval("$pc")) == entry:
            break
    out.write("\t".join(steps) + "\n")
out.close()
gdb.execute("kill")
'''


def writes_register(step):
    """Whether an instruction (as gdb prints it, AT&T) writes a general
    register: those take an entry of the core's register file until they
    retire, and back to back the file runs out before the reorder buffer
    does (docs/matcher.md, "Measured", fifteenth session). Moves from one
    register to another are left out (a core may rename them without an
    entry)."""
    parts = step.split(None, 1)
    if not parts:
        return False
    op, args = parts[0], (parts[1].split("<")[0].strip() if len(parts) > 1 else "")
    if op.startswith(("j", "call", "ret", "prefetch", "nop", "push", "cmp", "test")) or \
            (op.startswith("bt") and not op.startswith(("btc", "bts", "btr"))):
        return False
    operands = _operands(args)
    if not operands or not operands[-1].startswith("%") or operands[-1].startswith("%xmm"):
        return False
    plain_move = op in ("mov", "movl", "movq") and operands[0].startswith("%") \
        and not operands[0].startswith("%xmm")
    return not plain_move


_FLAG_READERS = ("j", "cmov", "set", "adc", "sbb")
# Their last operand is written, not read (bswap, not, neg read theirs).
_PURE_WRITES = ("mov", "lea", "pop", "set", "tzcnt", "lzcnt", "popcnt", "cvt", "pmovmskb")


def _register(name):
    """The 64-bit register a general register's name is part of (None for others)."""
    if not name.strip().startswith("%"):
        return None
    name = name.strip().lstrip("%")
    table = {"ax": "rax", "bx": "rbx", "cx": "rcx", "dx": "rdx", "si": "rsi", "di": "rdi",
             "bp": "rbp", "sp": "rsp"}
    if name.startswith("xmm"):
        return name
    if name[0] == "r" and name[1:].rstrip("dwb").isdigit():
        return "r" + name[1:].rstrip("dwb")
    core = name[1:] if name[0] in "re" and len(name) == 3 else name
    core = {"al": "ax", "bl": "bx", "cl": "cx", "dl": "dx", "ah": "ax", "bh": "bx", "ch": "cx",
            "dh": "dx", "sil": "si", "dil": "di", "bpl": "bp", "spl": "sp"}.get(core, core)
    return table.get(core)


def _operands(args):
    out, depth, cur = [], 0, ""
    for c in args:
        if c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
        if c == "," and depth == 0:
            out.append(cur.strip())
            cur = ""
        else:
            cur += c
    if cur.strip():
        out.append(cur.strip())
    return out


def waiting_on(steps, start):
    """How many of steps[start:] depend, through registers, the flags or
    the stack frame, on the value steps[start] loads (the heads_ entry, and
    so the home's lines): they wait in the core's schedulers until the line
    arrives, a smaller place than its register file (docs/matcher.md,
    "Measured", fifteenth session). Follows registers and stack slots only,
    so it may count a few too few."""
    tainted, count = set(), 0
    for n, step in enumerate(steps[start:]):
        parts = step.split(None, 1)
        if not parts:
            continue
        op = parts[0]
        if op in ("call", "ret"):
            tainted = {t for t in tainted if not t.startswith("mem:")}
        args = parts[1].split("<")[0].strip() if len(parts) > 1 else ""
        ops = _operands(args) if not op.startswith(("j", "call", "ret", "nop", "prefetch")) else []
        reads = set()
        for i, o in enumerate(ops):
            if "(" in o:
                reads |= {r for r in map(_register, o[o.index("(") + 1:-1].split(",")) if r}
                if o.endswith("(%rsp)") and (i < len(ops) - 1 or not op.startswith("mov")):
                    reads.add("mem:" + o)
            elif o.startswith("%"):
                r = _register(o)
                if r and (i < len(ops) - 1 or not op.startswith(_PURE_WRITES)):
                    reads.add(r)
        if op.startswith(_FLAG_READERS) and op != "jmp":
            reads.add("flags")
        zeroing = op.startswith(("xor", "pxor", "sub")) and len(ops) == 2 and ops[0] == ops[1]
        hit = n == 0 or (bool(reads & tainted) and not zeroing)
        count += hit
        if not ops:
            continue
        dest = ops[-1]
        target = ("mem:" + dest) if dest.endswith("(%rsp)") else _register(dest)
        if target:
            (tainted.add if hit else tainted.discard)(target)
        if not op.startswith(("mov", "lea", "set", "bswap", "prefetch", "push", "pop", "cmov")):
            (tainted.add if hit else tainted.discard)("flags")
    return count


def lookup_end(steps):
    """The index of the lookup's own return (the calls it makes return
    before it)."""
    depth = 0
    for i, s in enumerate(steps):
        op = s.split()[:1]
        if op == ["call"]:
            depth += 1
        elif op == ["ret"]:
            if depth == 0:
                return i
            depth -= 1
    raise ValueError("no return in the trace")


def entry_symbol(binary):
    """The linkage name of DomainMatcher::find, the lookup's entry (the
    inline DomainMatcher::lookup calls it)."""
    names = subprocess.run(["nm", binary], capture_output=True, text=True,
                           check=True).stdout.split()
    find = [n for n in names if n.startswith("_ZNK2gh13DomainMatcher4findE")]
    if not find:
        sys.exit("lookup_trace: no DomainMatcher::find in " + binary)
    return find[0]


def first_line_prefetch(steps, ret):
    """The index of the lookup's first prefetch of a home's lines (the first
    prefetch is heads_'s), -1 if none."""
    prefetches = [i for i, s in enumerate(steps[:ret]) if s.startswith("prefetcht0")]
    return prefetches[1] if len(prefetches) > 1 else -1


def is_heads_read(step):
    """Whether a step is a 16-bit load from memory other than the stack frame,
    as the read of a heads_ entry is (a movzwl between registers, which some
    tunings emit later in the lookup, is not)."""
    parts = step.split(None, 1)
    if len(parts) < 2 or parts[0] != "movzwl":
        return False
    source = _operands(parts[1].split("<")[0].strip())[0]
    return "(" in source and "%rsp" not in source


def summarize(steps, next_steps=None):
    ret = lookup_end(steps)
    heads = [i for i, s in enumerate(steps[:ret]) if is_heads_read(s)]
    line_prefetch = first_line_prefetch(steps, ret)
    read = heads[-1] if heads else -1
    figures = {
        "lookup": ret + 1,
        "bench loop": len(steps) - ret - 1,
        "before the lines' first prefetch": line_prefetch,
        "from the heads_ read to the return": ret - read if read >= 0 else -1,
        "of which wait for the line": waiting_on(steps[:ret + 1], read) if read >= 0 else -1,
    }
    if next_steps is not None and read >= 0:
        # From this lookup's heads_ read to the next one's first prefetch of
        # its lines: what the core must hold for the two to overlap.
        nxt = first_line_prefetch(next_steps, lookup_end(next_steps))
        window = steps[read:] + next_steps[:max(nxt, 0)]
        figures["window"] = len(window)
        figures["of which write a general register"] = sum(map(writes_register, window))
    return figures


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    binary = sys.argv[1]
    lookups = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "steps.txt")
        script = os.path.join(tmp, "trace.py")
        with open(script, "w") as f:
            f.write("OUT = %r\nLOOKUPS = %d\nENTRY = %r\n" % (out, lookups, entry_symbol(binary))
                    + GDB_SCRIPT)
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
        following = traces[n] if n < len(traces) else None
        figures = ", ".join("%s %d" % kv for kv in summarize(steps, following).items())
        print("lookup %d: %s" % (n, figures))


if __name__ == "__main__":
    main()
