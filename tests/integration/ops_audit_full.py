#!/usr/bin/env python3
"""Audit disk full, seen from the outside (README "The audit log", §8; README "What
failures look like"): the audit directory is a small tmpfs in a private
mount namespace; filling it makes new requests get 503 (on_failure: block),
/readyz 503 "audit log failing", and /metrics show the failure; freeing
space brings everything back without a restart, and the chain verifies."""
import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "proxy_lib"))
import gh  # noqa: E402

gh.need_binary()
if os.geteuid() != 0 or not shutil.which("unshare") or not shutil.which("nsenter"):
    print("skip: needs root, unshare and nsenter")
    sys.exit(77)
probe = subprocess.run(["unshare", "-m", "true"], capture_output=True)
if probe.returncode != 0:
    print("skip: no mount namespaces here")
    sys.exit(77)

auditfs = tempfile.mkdtemp(prefix="gh-auditfs-")
tree = gh.RuleTree(audit_path=os.path.join(auditfs, "audit.jsonl"))
wrapper = ["unshare", "-m", "--propagation", "private", "sh", "-c",
           'mount -t tmpfs -o size=512k tmpfs "$0" && exec "$@"', auditfs]
g = gh.Gatehouse(tree.config, tree.admin_port, wrapper=wrapper)


def in_ns(*cmd):
    return subprocess.run(["nsenter", "-t", str(g.proc.pid), "-m"] + list(cmd),
                          capture_output=True, timeout=30)


def status(n):
    return gh.proxy_get(tree.forward_port, "http://web.whatsapp.com/%s" % n, timeout=5)[0]


try:
    g.wait_ready()
    assert status("before") == 403
    # Fill the file system (dd stops at ENOSPC).
    in_ns("dd", "if=/dev/zero", "of=%s/filler" % auditfs, "bs=64k")
    seen = []
    for i in range(200):
        seen.append(status("full-%d" % i))
        if seen[-1] == 503:
            break
        time.sleep(0.02)
    assert seen[-1] == 503, "no 503 with the audit disk full: %s" % seen[-20:]
    print("ok: audit disk full -> 503 after %d requests" % len(seen))
    st, _, body = gh.get(g.admin + "/readyz")
    assert st == 503 and b"audit" in body, (st, body)
    m, _ = g.metrics()
    assert m.value("gatehouse_audit_failed") == 1
    assert m.value("gatehouse_audit_write_errors_total") >= 1
    assert status("still-full") == 503
    m2, _ = g.metrics()
    assert m2.value("gatehouse_audit_unavailable_total") >= 1
    print("ok: /readyz 503 and metrics show the failure")

    # Free the space: the writer recovers on its own.
    in_ns("rm", "-f", "%s/filler" % auditfs)
    deadline = time.time() + 20
    while time.time() < deadline:
        if gh.get(g.admin + "/readyz")[0] == 200:
            break
        time.sleep(0.1)
    assert gh.get(g.admin + "/readyz")[0] == 200, "/readyz did not recover\n" + g.output()
    assert status("after") == 403
    m3, _ = g.metrics()
    assert m3.value("gatehouse_audit_failed") == 0
    # Copy the log out of the namespace and verify its chain.
    copy = os.path.join(tree.dir, "audit-copy.jsonl")
    with open(copy, "wb") as f:
        f.write(in_ns("cat", os.path.join(auditfs, "audit.jsonl")).stdout)
    r = subprocess.run([gh.GATEHOUSE, "audit", "verify", copy], capture_output=True, text=True, timeout=30)
    assert r.returncode == 0, r.stdout + r.stderr
    print("ok: recovered without restart; chain verifies")
finally:
    rc = g.stop()
    tree.cleanup()
    shutil.rmtree(auditfs, ignore_errors=True)
assert rc == 0, rc
