#!/usr/bin/env python3
"""A reload whose loading throws (README "Operations guide", reloads) is refused
like any rejected rule set: the process lives on with the old rules. Against
the real binary: after start-up its address space is capped just above what
it uses (RLIMIT_AS, set from outside with prlimit), then a domain list of a
million names appears; reading it needs more memory than the cap leaves, so
the loader throws std::bad_alloc. gatehouse must count a failed reload, log
why, keep answering with the old rules, and reload once memory is back."""
import os
import resource
import signal
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "proxy_lib"))
import gh  # noqa: E402

gh.need_binary()


def reloads(g):
    m, _ = g.metrics()
    return m.value("gatehouse_reloads_total", result="ok"), m.value("gatehouse_reloads_total", result="failed")


def wait_failed(g, at_least, timeout=20):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if g.proc.poll() is not None:
            raise AssertionError("gatehouse ended during the reload:\n" + g.output())
        if reloads(g)[1] >= at_least:
            return
        time.sleep(0.1)
    raise AssertionError("no failed reload counted:\n" + g.output())


def vm_size_bytes(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    raise AssertionError("no VmSize")


tree = gh.RuleTree(
    domain_lists='    - { file: "lists/extra.txt", category: public-cloud-storage, match: suffix }\n',
    policy_categories="instant-messaging-web: block\n    public-cloud-storage: block")
os.makedirs(tree.path("lists"))
tree.write("lists/extra.txt", "blocked-one.example\n")
tree.write("categories/public-cloud-storage.yaml",
           "category: public-cloud-storage\ntitle: Storage\napps:\n  - id: box\n    title: Box\n"
           "    domains: [.box.example]\n")

g = gh.Gatehouse(tree.config, tree.admin_port)
try:
    g.wait_ready()
    p = tree.forward_port
    st, _ = gh.proxy_get(p, "http://x.blocked-one.example/", timeout=3)
    assert st == 403, st
    pid = g.proc.pid
    with open("/proc/%d/maps" % pid) as f:
        if "libasan" in f.read():  # ASan reserves terabytes and aborts instead of throwing
            print("skip: an address-space cap does not apply to a sanitized build")
            raise SystemExit(77)
    soft, hard = resource.prlimit(pid, resource.RLIMIT_AS)
    cap = vm_size_bytes(pid) + 8 * 2**20
    resource.prlimit(pid, resource.RLIMIT_AS, (cap, hard))
    log_at = len(g.output())
    # ~24 MB of names: the file alone is larger than what the cap leaves.
    tree.write("lists/extra.txt", "".join("n%07d.huge-list.example\n" % i for i in range(1_000_000)))
    g.signal(signal.SIGHUP)
    wait_failed(g, 1)
    g.wait_log(r"loading the rules failed", start=log_at)
    g.wait_log(r"reload: rejected", start=log_at)
    assert g.proc.poll() is None, "gatehouse ended"
    st, _ = gh.proxy_get(p, "http://x.blocked-one.example/", timeout=3)
    assert st == 403, "the old rules stay in force: %s" % st
    print("ok: a loader that throws refuses the reload; the old rules serve")

    resource.prlimit(pid, resource.RLIMIT_AS, (soft, hard))
    tree.write("lists/extra.txt", "blocked-two.example\n")
    ok_before = reloads(g)[0]
    g.signal(signal.SIGHUP)
    deadline = time.time() + 20
    while reloads(g)[0] <= ok_before and time.time() < deadline:
        time.sleep(0.1)
    assert reloads(g)[0] > ok_before, g.output()
    st, _ = gh.proxy_get(p, "http://x.blocked-two.example/", timeout=3)
    assert st == 403, st
    print("ok: with memory back the next reload loads")
finally:
    g.stop()
    tree.cleanup()
