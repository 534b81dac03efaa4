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

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "ops_lib"))
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
