#!/usr/bin/env python3
"""Reload (README "Operations guide", issue #5 item 1) against the real binary:
1. SIGHUP reloads (counted in gatehouse_reloads_total{result="ok"});
2. a changed domain list is picked up by inotify without any signal;
3. a rule file with an error is rejected whole: the old rules stay in force,
   the error is logged with file:line:col, reloads{failed} counts it, /readyz
   stays 200; SIGHUP with the error still there is rejected again; fixing the
   file reloads;
4. a CONNECT tunnel opened under the old rules keeps relaying after a reload
   that blocks its destination, while a new CONNECT gets 403."""
import os
import signal
import socket
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "proxy_lib"))
import gh  # noqa: E402

gh.need_binary()

STORAGE = """category: public-cloud-storage
title: Public cloud storage
apps:
  - id: somebox
    title: Somebox
    domains: [.somebox.example]
"""
LOCAL = """category: local-test
title: Local test destinations
apps:
  - id: echo
    title: The test's echo server
    networks: [{net}]
"""


def echo_server():
    """A loopback echo server; returns (port, stop)."""
    srv = socket.socket()
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.99", 0))
    srv.listen(16)
    srv.settimeout(0.2)
    stop = threading.Event()

    def serve_one(c):
        c.settimeout(30)
        try:
            while not stop.is_set():
                data = c.recv(4096)
                if not data:
                    break
                c.sendall(data)
        except OSError:
            pass
        finally:
            c.close()

    def loop():
        while not stop.is_set():
            try:
                c, _ = srv.accept()
            except OSError:
                continue
            threading.Thread(target=serve_one, args=(c,), daemon=True).start()
        srv.close()

    threading.Thread(target=loop, daemon=True).start()
    return srv.getsockname()[1], stop


def reloads(g):
    m, _ = g.metrics()
    return m.value("gatehouse_reloads_total", result="ok"), m.value("gatehouse_reloads_total", result="failed")


def wait_reloads(g, ok=None, failed=None, timeout=10):
    deadline = time.time() + timeout
    while time.time() < deadline:
        o, f = reloads(g)
        if (ok is None or o >= ok) and (failed is None or f >= failed):
            return o, f
        time.sleep(0.05)
    raise AssertionError("reload counters did not reach ok=%s failed=%s (now %s):\n%s"
                         % (ok, failed, reloads(g), g.output()))


def blocked(port, host, source="127.0.0.1"):
    st, _ = gh.proxy_get(port, "http://%s/" % host, source=source, timeout=3)
    return st == 403


echo_port, echo_stop = echo_server()
tree = gh.RuleTree(
    domain_lists='    - { file: "lists/extra.txt", category: public-cloud-storage, match: suffix }\n',
    policy_categories="instant-messaging-web: block\n    public-cloud-storage: block\n    local-test: allow")
os.makedirs(tree.path("lists"))
tree.write("lists/extra.txt", "blocked-one.example\n")
tree.write("categories/public-cloud-storage.yaml", STORAGE)
tree.write("categories/local-test.yaml", LOCAL.format(net='"127.0.0.99/32"'))
# Let CONNECT reach the echo port.
cfg = open(tree.config).read().replace("ports: [443]", "ports: [443, %d]" % echo_port)
tree.write("gatehouse.yaml", cfg)

g = gh.Gatehouse(tree.config, tree.admin_port)
try:
    g.wait_ready()
    p = tree.forward_port
    assert blocked(p, "x.blocked-one.example")
    assert blocked(p, "web.whatsapp.com")
    ok0, failed0 = reloads(g)
    assert (ok0, failed0) == (0, 0), (ok0, failed0)

    # 1. SIGHUP.
    g.signal(signal.SIGHUP)
    ok, failed = wait_reloads(g, ok=1)
    assert failed == 0
    g.wait_log(r"reload: ok: \d+ rules")
    print("ok: SIGHUP reload")

    # 2. The list changes on disk (rename over): reloaded without a signal.
    tree.write("lists/extra.txt", "# now another one\nblocked-two.example\n")
    wait_reloads(g, ok=2)
    assert blocked(p, "a.blocked-two.example")
    # Not blocked any more: uncategorized (the upstream does not exist, so the
    # record ends as an upstream error, never as a block).
    gh.proxy_get(p, "http://b.blocked-one.example/", timeout=3)
    recs = gh.audit_records(tree.audit, want=lambda r: r.get("host") == "b.blocked-one.example")
    rec = [r for r in recs if r.get("host") == "b.blocked-one.example"][0]
    assert rec["category"] is None and rec["action"] != "block", rec
    print("ok: inotify reload of a domain list")

    # 3. An error: rejected whole, old rules stay.
    log_at = len(g.output())
    tree.write("categories/bad.yaml", "category: bad\ntitle: Bad\nappz:\n  - id: x\n")
    ok_before, _ = reloads(g)
    wait_reloads(g, failed=1)
    m = g.wait_log(r"bad\.yaml:\d+:\d+: error: [^\n]+", start=log_at)
    print("logged:", m.group(0))
    g.wait_log(r"reload: rejected", start=log_at)
    assert reloads(g)[0] == ok_before, "a rejected rule set must not count as ok"
    assert blocked(p, "a.blocked-two.example"), "old rules must stay in force"
    assert blocked(p, "web.whatsapp.com")
    status, _, _ = gh.get(g.admin + "/readyz")
    assert status == 200, "a rejected reload does not make the proxy unready"
    g.signal(signal.SIGHUP)
    wait_reloads(g, failed=2)
    os.unlink(tree.path("categories/bad.yaml"))
    wait_reloads(g, ok=ok_before + 1)
    assert blocked(p, "a.blocked-two.example")
    print("ok: a broken rule set is rejected whole and counted")

    # 4. In flight: an open tunnel keeps its rules.
    t = socket.create_connection(("127.0.0.1", p), timeout=5)
    t.sendall(b"CONNECT 127.0.0.99:%d HTTP/1.1\r\nHost: 127.0.0.99\r\n\r\n" % echo_port)
    head = b""
    while b"\r\n\r\n" not in head:
        chunk = t.recv(4096)
        assert chunk, head
        head += chunk
    assert head.startswith(b"HTTP/1.1 200"), head
    t.sendall(b"ping-1")
    assert t.recv(100) == b"ping-1"
    ok_before, _ = reloads(g)
    cfg = open(tree.config).read().replace("local-test: allow", "local-test: block")
    tree.write("gatehouse.yaml", cfg)
    wait_reloads(g, ok=ok_before + 1)
    st, _ = gh.proxy_connect(p, "127.0.0.99:%d" % echo_port)
    assert st == 403, "a new CONNECT sees the new rules"
    t.sendall(b"ping-2")
    assert t.recv(100) == b"ping-2", "the tunnel opened under the old rules keeps relaying"
    t.close()
    print("ok: requests in flight keep the rules they started with")
finally:
    rc = g.stop()
    echo_stop.set()
    tree.cleanup()
assert rc == 0, rc
