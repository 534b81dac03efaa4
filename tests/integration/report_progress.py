#!/usr/bin/env python3
"""Progress of `audit report` and `audit verify` (README "The audit log"): on stderr when
it is a terminal (files done, records/s), nothing at all when it is not.
The terminal is a pseudo-terminal from Python's pty module."""
import os
import pty
import select
import subprocess
import sys
import tempfile
import time
import shutil

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from report_lib import auditlog  # noqa: E402

GATEHOUSE = os.environ.get("GATEHOUSE")


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)


def on_pty(args):
    """Runs gatehouse with stderr on a pty; returns (exit code, stdout, pty output)."""
    master, slave = pty.openpty()
    try:
        p = subprocess.Popen([GATEHOUSE, *args], stdout=subprocess.PIPE, stderr=slave,
                             stdin=subprocess.DEVNULL)
    finally:
        os.close(slave)
    seen = b""
    deadline = time.time() + 60
    try:
        while time.time() < deadline:
            r, _, _ = select.select([master], [], [], 0.5)
            if r:
                try:
                    chunk = os.read(master, 65536)
                except OSError:  # EIO: every writer of the pty is gone
                    break
                if not chunk:
                    break
                seen += chunk
            elif p.poll() is not None:
                break
        out = p.stdout.read()
        p.stdout.close()
        rc = p.wait(timeout=30)
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
        os.close(master)
    return rc, out.decode(), seen.decode("utf-8", "replace")


def main():
    if not GATEHOUSE or not os.access(GATEHOUSE, os.X_OK):
        fail("GATEHOUSE binary not set or not executable")
    d = tempfile.mkdtemp(prefix="gh-progress-")
    try:
        D = auditlog.decision
        recs = [D("2026-11-22T10:00:%02d.000Z" % (i % 60), "10.20.5.7:1", "immigration",
                  "instant-messaging-web", "whatsapp-web", "block", "category-blocked")
                for i in range(9000)]
        lines = auditlog.chain(recs)
        a, b = os.path.join(d, "audit-20261122T000000Z.jsonl"), os.path.join(d, "audit.jsonl")
        with open(a, "w") as f:
            f.write("\n".join(lines[:5000]) + "\n")
        with open(b, "w") as f:
            f.write("\n".join(lines[5000:]) + "\n")

        for args, want_out in ((["audit", "verify", a, b], "records: 9000"),
                               (["audit", "report", a, b], "TOTAL"),
                               (["audit", "report", a, b, "--format", "html"], "</html>")):
            # Not a terminal (a pipe): stdout as always, stderr empty.
            p = subprocess.run([GATEHOUSE, *args], capture_output=True, timeout=60)
            if p.returncode != 0 or want_out not in p.stdout.decode():
                fail("%s: exit %d\n%s" % (args, p.returncode, p.stdout.decode()[-500:]))
            if p.stderr != b"":
                fail("%s printed on a non-terminal stderr: %r" % (args, p.stderr))
            # A terminal: the progress line, redrawn in place, ending with a newline.
            rc, out, tty = on_pty(args)
            if rc != 0 or want_out not in out:
                fail("%s on a pty: exit %d\n%s" % (args, rc, out[-500:]))
            what = " ".join(args[:2])
            if ("\r%s: 1/2 files, 5,000 records" % what) not in tty:
                fail("%s: no progress after the first file: %r" % (args, tty))
            last = tty.rstrip("\r\n").split("\r")[-1]
            if not last.startswith("%s: 2/2 files, 9,000 records, " % what) or \
                    not last.replace("\x1b[K", "").endswith(" records/s"):
                fail("%s: final progress line %r" % (args, last))
            if not tty.endswith("\n"):
                fail("%s: the progress line is not ended: %r" % (args, tty[-80:]))
            if want_out in tty:
                fail("%s: the result went to the terminal's stderr" % args)

        # A failed verify still ends its progress line before the result.
        with open(b, "a") as f:
            f.write('{"torn":')
        rc, out, tty = on_pty(["audit", "verify", a, b])
        if rc != 1 or "torn line" not in out or not tty.endswith("\n"):
            fail("verify of a torn log on a pty: exit %d, %r, %r" % (rc, out, tty))
        print("ok: progress on a terminal only")
    finally:
        shutil.rmtree(d, ignore_errors=True)


if __name__ == "__main__":
    main()
