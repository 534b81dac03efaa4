#!/usr/bin/env python3
"""`gatehouse audit verify` and `gatehouse audit report` on logs generated here.

The logs are chained by this script's own implementation of README "The audit log" (hash =
SHA-256 over prev + the line's bytes up to `,"prev":`), so the test also checks
that the binary follows the spec and not just itself. Every tampering of the
issue is applied to a copy and must be named by file and line.
"""
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile

GATEHOUSE = os.environ.get("GATEHOUSE")
if not GATEHOUSE or not os.access(GATEHOUSE, os.X_OK):
    print("GATEHOUSE binary not set or not executable", file=sys.stderr)
    sys.exit(1)

ZERO = "0" * 64
FIELDS = ["ts", "seq", "event", "id", "client", "department", "user", "listener", "method",
          "host", "port", "sni", "url", "category", "app", "action", "reason", "rule",
          "approval", "status"]


def chain(records, prev=ZERO):
    """Serialises records as chained lines; returns (lines, last hash)."""
    lines = []
    for r in records:
        body = "{" + ",".join(json.dumps(k) + ":" + json.dumps(r.get(k), ensure_ascii=False,
                                                               separators=(",", ":"))
                              for k in FIELDS + [k for k in r if k not in FIELDS]) 
        h = hashlib.sha256((prev + body).encode("utf-8")).hexdigest()
        lines.append(body + ',"prev":"%s","hash":"%s"}' % (prev, h))
        prev = h
    return lines, prev


def record(seq, day, dept, app, action, reason, client="10.20.5.7:1000", method="GET",
           sni=None, event="decision"):
    return {"ts": "2026-11-%02dT10:00:00.000Z" % day, "seq": seq, "event": event,
            "id": "gh-test-%d" % seq, "client": client, "department": dept, "user": None,
            "listener": "forward", "method": method, "host": "h.example", "port": 443,
            "sni": sni, "url": None, "category": None, "app": app, "action": action,
            "reason": reason, "rule": None, "approval": None, "status": 200}


def run(*args, expect):
    p = subprocess.run([GATEHOUSE, "audit", *args], capture_output=True, text=True, timeout=60)
    if p.returncode != expect:
        print("FAIL: gatehouse audit %s -> exit %d, expected %d\nstdout:\n%s\nstderr:\n%s"
              % (" ".join(args), p.returncode, expect, p.stdout, p.stderr))
        sys.exit(1)
    return p.stdout


def write(path, lines, final_newline=True):
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + ("\n" if final_newline else ""))


def expect_in(text, needle):
    if needle not in text:
        print("FAIL: expected %r in:\n%s" % (needle, text))
        sys.exit(1)


def main():
    tmp = tempfile.mkdtemp(prefix="gh-integ-audit-")
    try:
        recs = []
        seq = 0

        def add(n, *a, **kw):
            nonlocal seq
            for _ in range(n):
                seq += 1
                recs.append(record(seq, *a, **kw))

        add(3, 21, "immigration", "whatsapp-web", "block", "category-blocked")
        add(5, 22, "immigration", "whatsapp-web", "allow", "approved")
        add(2, 22, "immigration", "gmail", "allow", "monitored")
        add(4, 22, "finance", "whatsapp-web", "block", "category-blocked", client="10.30.0.9:2")
        add(6, 22, "finance", None, "allow", "uncategorized", client="10.30.0.9:3")
        add(1, 22, None, None, "deny", "client-not-allowed", client="192.0.2.1:4")
        add(1, 22, "immigration", "whatsapp-web", "allow", "approved", event="close")
        # One CONNECT tunnel: authority record then SNI record = one attempt.
        add(1, 22, "immigration", "whatsapp-web", "allow", "approved", client="10.20.5.8:9",
            method="CONNECT")
        add(1, 22, "immigration", "whatsapp-web", "allow", "approved", client="10.20.5.8:9",
            method="CONNECT", sni="web.whatsapp.com")
        # Hostile strings survive the round trip untouched by verify.
        recs[0]["url"] = 'http://x/"\\\u2028\u0001é'
        lines, last = chain(recs)
        n = len(lines)

        # Split across a "rotated" file and the live file.
        rotated = os.path.join(tmp, "audit-20261122T000000Z.jsonl")
        live = os.path.join(tmp, "audit.jsonl")
        write(rotated, lines[:10])
        write(live, lines[10:])

        out = run("verify", rotated, live, expect=0)
        expect_in(out, "records: %d" % n)
        expect_in(out, "files: 2")
        expect_in(out, "first seq: 1")
        expect_in(out, "last seq: %d" % n)
        expect_in(out, "last hash: %s" % last)
        run("verify", rotated, live, "--expect-seq", str(n), expect=0)
        out = run("verify", rotated, live, "--expect-seq", str(n + 3), expect=1)
        expect_in(out, "%s:%d:" % (live, n - 10))
        expect_in(out, "anchor")

        bad = os.path.join(tmp, "bad.jsonl")
        # One changed byte.
        changed = list(lines)
        changed[6] = changed[6].replace("immigration", "immigratioN", 1)
        write(bad, changed)
        out = run("verify", bad, expect=1)
        expect_in(out, "%s:7: error: hash mismatch" % bad)
        # A deleted line.
        write(bad, lines[:4] + lines[5:])
        out = run("verify", bad, expect=1)
        expect_in(out, "%s:5: error: seq gap" % bad)
        # Two swapped lines.
        swapped = list(lines)
        swapped[8], swapped[9] = swapped[9], swapped[8]
        write(bad, swapped)
        out = run("verify", bad, expect=1)
        expect_in(out, "%s:9: error:" % bad)
        # A truncated last line.
        with open(bad, "w", encoding="utf-8") as f:
            f.write("\n".join(lines) + "\n")
            f.truncate(f.tell() - 20)
        out = run("verify", bad, expect=1)
        expect_in(out, "%s:%d: error: torn line" % (bad, n))
        # Broken link between files: the live file without the rotated one before it,
        # after a file that ends earlier.
        write(bad, lines[:5])
        out = run("verify", bad, live, expect=1)
        expect_in(out, "%s:1: error: broken link between files" % live)
        # A missing file is a runtime failure, a bad option a usage error.
        run("verify", os.path.join(tmp, "nope.jsonl"), expect=3)

        # Report: exact counts in all three formats.
        out = run("report", rotated, live, "--format", "csv", expect=0)
        want = ("department,app,blocked,monitored,approved,total\r\n"
                ",,0,0,0,1\r\n"
                "finance,,0,0,0,6\r\n"
                "finance,whatsapp-web,4,0,0,4\r\n"
                "immigration,gmail,0,2,0,2\r\n"
                "immigration,whatsapp-web,3,0,6,9\r\n")
        p = subprocess.run([GATEHOUSE, "audit", "report", rotated, live, "--format", "csv"],
                           capture_output=True, timeout=60)
        if p.stdout.decode() != want:
            print("FAIL: csv report:\n%r\nwanted\n%r" % (p.stdout.decode(), want))
            sys.exit(1)
        out = run("report", rotated, live, "--format", "json", "--by", "department",
                  "--since", "2026-11-22", "--until", "2026-11-22", expect=0)
        j = json.loads(out)
        rows = {r["department"]: r for r in j["rows"]}
        assert rows["immigration"] == {"department": "immigration", "blocked": 0, "monitored": 2,
                                       "approved": 6, "total": 8}, rows
        assert rows["finance"]["total"] == 10 and rows["finance"]["blocked"] == 4, rows
        assert rows[None]["total"] == 1, rows
        assert j["totals"] == {"blocked": 4, "monitored": 2, "approved": 6, "total": 19}, j
        out = run("report", rotated, live, "--by", "client", expect=0)
        expect_in(out, "client")
        table = [l.split() for l in out.splitlines()]
        assert table[0] == ["client", "blocked", "monitored", "approved", "total"], table
        assert ["10.20.5.7", "3", "2", "5", "10"] in table, table
        assert ["10.30.0.9", "4", "0", "0", "10"] in table, table
        assert ["TOTAL", "7", "2", "6", "22"] in table, table
        run("report", live, "--format", "xml", expect=2)
        run("report", live, "--since", "yesterday", expect=2)
        run("report", live, "--by", "colour", expect=2)
        print("ok: audit verify and report on %d generated records" % n)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
