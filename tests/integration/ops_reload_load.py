#!/usr/bin/env python3
"""Reload under load (bench/README.md, issue #5 item 1): a big domain list is
reloaded (SIGHUP, several times) while closed-loop keep-alive clients send
blocked requests; every request must be answered 403 during the reloads, and
the latency inside the reload windows is reported next to the baseline.

    GH_RELOAD_DOMAINS=1000000 GATEHOUSE=build/proxy/gatehouse \
        python3 tests/integration/ops_reload_load.py      # the bench/README figure

In ctest the list is smaller (200,000) and only a gross stall (p99 over
GH_RELOAD_MAX_P99_MS, default 100 ms, and 5x the baseline p99) fails the test: the machine is shared
with other tests, so the 5 ms target is measured by the command above."""
import os
import re
import signal
import socket
import subprocess
import sys
import multiprocessing
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "proxy_lib"))
import gh  # noqa: E402

gh.need_binary()
DOMAINS = int(os.environ.get("GH_RELOAD_DOMAINS", "200000"))
CLIENTS = int(os.environ.get("GH_RELOAD_CLIENTS", "4"))
RELOADS = int(os.environ.get("GH_RELOAD_COUNT", "3"))
MAX_P99_MS = float(os.environ.get("GH_RELOAD_MAX_P99_MS", "100"))

STORAGE = """category: public-cloud-storage
title: Public cloud storage
apps:
  - { id: somebox, title: Somebox, domains: [.somebox.example] }
"""

tree = gh.RuleTree(
    domain_lists='    - { file: "lists/big.txt", category: public-cloud-storage, match: suffix }\n',
    policy_categories="instant-messaging-web: block\n    public-cloud-storage: block",
    fsync="1s")  # production default; `every` would measure the disk's fsync tail instead
os.makedirs(tree.path("lists"))
tree.write("categories/public-cloud-storage.yaml", STORAGE)
gen = subprocess.run([sys.executable, os.path.join(gh.SRC, "bench", "gen_domains.py"), "--count", str(DOMAINS),
                      "--plain", tree.path("lists/big.txt"), "--squid", tree.path("lists/big.squid")],
                     capture_output=True, text=True, timeout=300, check=True)
BLOCKED = gen.stdout.strip().split()[-1]
REQUEST = ("GET http://%s/ HTTP/1.1\r\nHost: %s\r\n\r\n" % (BLOCKED, BLOCKED)).encode()


class Client(multiprocessing.Process):
    """One keep-alive connection, one request at a time; records (start,
    seconds, status). A process, not a thread: with threads the GIL's 5 ms
    switch interval would show up as the clients' own tail latency."""

    def __init__(self, port, stop, results):
        super().__init__(daemon=True)
        self.port, self.stop, self.results = port, stop, results
        self.samples, self.errors = [], []

    def connect(self):
        s = socket.create_connection(("127.0.0.1", self.port), timeout=10)
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return s

    def run(self):
        s, buf = self.connect(), b""
        while not self.stop.is_set():
            t0 = time.perf_counter()
            try:
                s.sendall(REQUEST)
                while b"\r\n\r\n" not in buf:
                    chunk = s.recv(65536)
                    if not chunk:
                        raise ConnectionError("closed before the response")
                    buf += chunk
                head, _, buf = buf.partition(b"\r\n\r\n")
                length = int(re.search(rb"(?i)\r\ncontent-length: *(\d+)", head).group(1))
                while len(buf) < length:
                    chunk = s.recv(65536)
                    if not chunk:
                        raise ConnectionError("closed in the body")
                    buf += chunk
                buf = buf[length:]
                status = int(head[9:12])
                self.samples.append((t0, time.perf_counter() - t0, status))
                if re.search(rb"(?i)\r\nconnection: *close", head):
                    s.close()
                    s, buf = self.connect(), b""
            except (OSError, ValueError, AttributeError) as e:
                self.errors.append((t0, repr(e)))
                s.close()
                if self.stop.is_set():
                    break
                s, buf = self.connect(), b""
        s.close()
        self.results.put((self.samples, self.errors))


def pct(values, p):
    if not values:
        return float("nan")
    v = sorted(values)
    return v[min(len(v) - 1, int(round(p / 100.0 * (len(v) - 1))))]


g = gh.Gatehouse(tree.config, tree.admin_port)
stop = multiprocessing.Event()
results = multiprocessing.Queue()
clients = []
try:
    t_start = time.time()
    g.wait_ready(timeout=120)
    print("domains: %d, start-up to ready: %.2f s, blocked host: %s" % (DOMAINS, time.time() - t_start, BLOCKED))
    st, _ = gh.proxy_get(tree.forward_port, "http://%s/" % BLOCKED)
    assert st == 403, st
    clients = [Client(tree.forward_port, stop, results) for _ in range(CLIENTS)]
    for c in clients:
        c.start()
    time.sleep(2.0)
    windows = []
    for i in range(RELOADS):
        log_at = len(g.output())
        t_h = time.perf_counter()
        g.signal(signal.SIGHUP)
        m = g.wait_log(r"reload: ok: (\d+) rules from \d+ files in (\d+) ms", timeout=120, start=log_at)
        t_r = time.perf_counter()
        windows.append((t_h, t_r, int(m.group(1)), int(m.group(2))))
        time.sleep(1.5)
    stop.set()
    collected = [results.get(timeout=30) for _ in clients]
    for c in clients:
        c.join(timeout=15)
    samples = sorted(s for got, _ in collected for s in got)
    errors = [e for _, errs in collected for e in errs]
    bad = [s for s in samples if s[2] != 403]
    first_reload = windows[0][0]
    base = [s[1] for s in samples if s[0] < first_reload - 0.1]
    during = [s[1] for s in samples if any(a <= s[0] <= b for a, b, _, _ in windows)]
    # Interleaved baseline: the quiet gaps between reloads (from 0.3 s after
    # one ends), so a machine whose load drifts is compared with itself.
    between = [s[1] for s in samples if s[0] >= first_reload and
               not any(a <= s[0] <= b + 0.3 for a, b, _, _ in windows)]
    total_s = samples[-1][0] - samples[0][0] if samples else 0
    print("requests: %d (%.0f/s over %.1f s), errors: %d, non-403: %d"
          % (len(samples), len(samples) / max(total_s, 1e-9), total_s, len(errors), len(bad)))
    for a, b, rules, ms in windows:
        print("reload: %d rules built in %d ms; window %.0f ms" % (rules, ms, (b - a) * 1000))
    print("baseline: n=%d p50=%.3f ms p99=%.3f ms max=%.3f ms"
          % (len(base), pct(base, 50) * 1e3, pct(base, 99) * 1e3, max(base) * 1e3))
    if between:
        print("between reloads: n=%d p50=%.3f ms p99=%.3f ms max=%.3f ms"
              % (len(between), pct(between, 50) * 1e3, pct(between, 99) * 1e3, max(between) * 1e3))
    print("during reloads: n=%d p50=%.3f ms p99=%.3f ms max=%.3f ms"
          % (len(during), pct(during, 50) * 1e3, pct(during, 99) * 1e3, max(during) * 1e3))
    assert not errors, errors[:5]
    assert not bad, bad[:5]
    assert len(during) > 100, "too few requests inside the reload windows"
    m, _ = g.metrics()
    assert m.value("gatehouse_reloads_total", result="ok") == RELOADS
    assert m.value("gatehouse_rules_loaded", kind="domains") >= DOMAINS
    # A stall shows as a p99 far above both the bound and the baseline (the
    # baseline absorbs a machine busy with other tests).
    limit = max(MAX_P99_MS, 5 * pct(base + between, 99) * 1e3)
    assert pct(during, 99) * 1e3 < limit, "traffic stalled during the reload (limit %.1f ms)" % limit
    print("ok: reload under load")
finally:
    stop.set()
    for c in clients:
        if c.is_alive():
            c.terminate()
    rc = g.stop(timeout=30)
    tree.cleanup()
assert rc == 0, rc
