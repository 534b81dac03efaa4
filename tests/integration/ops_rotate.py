#!/usr/bin/env python3
"""Rotation as the operations guide describes it: SIGUSR1 renames the live
audit file to audit-YYYYMMDDTHHMMSSZ.jsonl and a new audit.jsonl continues
the chain; `audit verify` across both (oldest first) passes, and
`--expect-seq` with gatehouse_audit_seq from /metrics anchors the tail."""
import glob
import os
import re
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "proxy_lib"))
import gh  # noqa: E402

gh.need_binary()
tree = gh.RuleTree()
g = gh.Gatehouse(tree.config, tree.admin_port)
try:
    g.wait_ready()
    for i in range(3):
        assert gh.proxy_get(tree.forward_port, "http://web.whatsapp.com/a%d" % i)[0] == 403
    g.signal(signal.SIGUSR1)
    rotated = []
    deadline = time.time() + 10
    while time.time() < deadline and not rotated:
        rotated = glob.glob(os.path.join(os.path.dirname(tree.audit), "audit-*.jsonl"))
        time.sleep(0.05)
    assert len(rotated) == 1, rotated
    assert re.search(r"audit-\d{8}T\d{6}Z\.jsonl$", rotated[0]), rotated
    for i in range(2):
        assert gh.proxy_get(tree.forward_port, "http://web.whatsapp.com/b%d" % i)[0] == 403
    m, _ = g.metrics()
    seq = int(m.value("gatehouse_audit_seq"))
    assert seq == 5, seq
    r = subprocess.run([gh.GATEHOUSE, "audit", "verify", "--expect-seq", str(seq), rotated[0], tree.audit],
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 0, r.stdout + r.stderr
    print("ok: SIGUSR1 rotation, chain verifies across files up to seq", seq)
finally:
    rc = g.stop()
    tree.cleanup()
assert rc == 0, rc

# Compressed retention (docs/capacity.md): rotated files become .jsonl.gz off the
# event loop, the live file stays plain, and verify and report read both.
for kind, suffix in (("gzip", ".gz"), ("zstd", ".zst")):
    tree = gh.RuleTree(audit_extra="  rotate: { compress: %s }\n" % kind)
    g = gh.Gatehouse(tree.config, tree.admin_port)
    try:
        g.wait_ready()
        for rnd in range(2):
            for i in range(3):
                assert gh.proxy_get(tree.forward_port, "http://web.whatsapp.com/r%d-%d" % (rnd, i))[0] == 403
            g.signal(signal.SIGUSR1)
            want = rnd + 1
            deadline = time.time() + 15
            done = []
            while time.time() < deadline:
                done = sorted(glob.glob(os.path.join(os.path.dirname(tree.audit), "audit-*.jsonl" + suffix)))
                if len(done) == want:
                    break
                time.sleep(0.05)
            assert len(done) == want, (kind, done, os.listdir(os.path.dirname(tree.audit)))
        assert not glob.glob(os.path.join(os.path.dirname(tree.audit), "audit-*.jsonl")), "plain rotated files remain"
        assert gh.proxy_get(tree.forward_port, "http://web.whatsapp.com/live")[0] == 403
        m, _ = g.metrics()
        seq = int(m.value("gatehouse_audit_seq"))
        files = done + [tree.audit]
        with open(tree.audit, "rb") as f:
            assert f.read(1) == b"{", "the live file is never compressed"
        r = subprocess.run([gh.GATEHOUSE, "audit", "verify", "--expect-seq", str(seq)] + files,
                           capture_output=True, text=True, timeout=30)
        assert r.returncode == 0 and "records: 7" in r.stdout, r.stdout + r.stderr
        r = subprocess.run([gh.GATEHOUSE, "audit", "report", "--format", "csv"] + files,
                           capture_output=True, text=True, timeout=30)
        assert r.returncode == 0 and "whatsapp-web" in r.stdout, r.stdout + r.stderr
        # A changed byte inside a compressed file is found and the file named.
        data = bytearray(open(done[0], "rb").read())
        data[len(data) // 2] ^= 0x40
        open(done[0], "wb").write(bytes(data))
        r = subprocess.run([gh.GATEHOUSE, "audit", "verify"] + files, capture_output=True, text=True, timeout=30)
        assert r.returncode == 1 and done[0] in r.stdout, r.stdout + r.stderr
        print("ok: %s compression of rotated files; verify and report read them; damage is named" % kind)
    finally:
        rc = g.stop()
        tree.cleanup()
    assert rc == 0, rc
