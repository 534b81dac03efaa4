#!/usr/bin/env python3
"""Soak with faults (docs/capacity.md): the real gatehouse on loopback under mixed
traffic for --minutes, while reloads (valid and invalid alternating), audit
rotations, origin resets and timeouts, a full audit disk and one kill -9 are
injected on a schedule. Ends with `audit verify` over every file against the
last anchor and one table; exits 1 when an invariant fails.

Run through tests/soak/run.sh (which enters a private mount namespace when
it can, so the audit directory can be a small tmpfs that is filled)."""
import argparse
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration", "proxy_lib"))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
sys.path.insert(0, HERE)

import audit_check  # noqa: E402
import origins  # noqa: E402
import report  # noqa: E402
import traffic  # noqa: E402
from traffic import Ledger, Traffic  # noqa: E402

VALID_TOGGLE = """category: soak-toggle
title: Reloaded by the soak
apps:
  - id: toggle-%d
    title: Toggle %d
    domains: [.toggle-%d.soak.test]
"""
# Blocked and decrypted for its page (README "HTTPS interception"); the soak's
# other blocked category is in `never`, so its CONNECTs keep their 403 and alert.
INTERCEPT_CATEGORY = """category: soak-intercept
title: Blocked with an HTTPS block page
apps:
  - id: soak-page
    title: Soak block page
    domains: [.intercept.soak.test]
"""
INVALID_TOGGLE = """category: soak-toggle
title: Rejected by the reload
appz: []
"""


def parse_args():
    ap = argparse.ArgumentParser()
    ap.add_argument("--minutes", type=float, required=True)
    ap.add_argument("--gatehouse", default=os.environ.get("GATEHOUSE", ""))
    ap.add_argument("--tmpfs", action="store_true", help="mount a tmpfs on the audit directory (needs a private mount namespace)")
    ap.add_argument("--keep", default="", help="copy the audit files and logs here at the end")
    ap.add_argument("--seed", type=int, default=None)
    return ap.parse_args()


class Process:
    """RSS and descriptors of the running gatehouse, from /proc/PID."""

    @staticmethod
    def sample(pid):
        try:
            with open("/proc/%d/status" % pid) as f:
                rss = int(re.search(r"VmRSS:\s+(\d+)", f.read()).group(1))
            fds = len(os.listdir("/proc/%d/fd" % pid))
            return rss, fds
        except (OSError, AttributeError):
            return None

    @staticmethod
    def sanitized(pid):
        """Whether the process runs with AddressSanitizer, whose quarantine of
        freed memory (up to 256 MiB) grows RSS without a leak."""
        try:
            with open("/proc/%d/maps" % pid) as f:
                return "libasan" in f.read()
        except OSError:
            return False


class Soak:
    def __init__(self, args):
        self.args = args
        self.total = args.minutes * 60.0
        self.dir = tempfile.mkdtemp(prefix="gh-soak-")
        self.audit_dir = os.path.join(self.dir, "audit")
        os.makedirs(self.audit_dir)
        self.tmpfs = False
        if args.tmpfs:
            size = "64m" if args.minutes <= 10 else "160m"
            r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=%s,mode=0755" % size, "tmpfs", self.audit_dir],
                               capture_output=True, text=True)
            self.tmpfs = r.returncode == 0
            if not self.tmpfs:
                print("soak: no tmpfs (%s); the full-disk fault is skipped" % r.stderr.strip(), flush=True)
        self.ledger = Ledger()
        self.stop = threading.Event()
        self.paused = threading.Event()
        self.active = 0
        self.active_lock = threading.Lock()
        self.faults = {"reload-valid": 0, "reload-invalid": 0, "rotate (SIGUSR1)": 0, "audit disk full": 0,
                       "kill -9 + restart": 0}
        self.windows = []          # (start, end, label): answers inside are attributed to the fault
        self.samples = {}          # label -> (rss KiB, fds)
        self.metrics_lives = []    # last /metrics seen of each gatehouse life
        self.last_metrics = None
        self.logs = []
        self.notes = []

    # ------------------------------------------------------------ set-up

    def setup(self):
        import gh
        from proxy_lib import harness
        gh.GATEHOUSE = self.args.gatehouse
        self.gh = gh
        _, http_port = harness.start_origin()
        _, tls_port, _ = harness.start_tls_origin(self.dir)
        # The inspected origin: its own certificate is gatehouse's upstream_ca.
        inspect_dir = os.path.join(self.dir, "inspect-origin")
        os.makedirs(inspect_dir)
        inspect_cert = (os.path.join(inspect_dir, "o.crt"), os.path.join(inspect_dir, "o.key"))
        subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                        "-nodes", "-keyout", inspect_cert[1], "-out", inspect_cert[0], "-days", "2",
                        "-subj", "/CN=" + traffic.INSPECT_HOST,
                        "-addext", "subjectAltName=DNS:" + traffic.INSPECT_HOST], check=True, capture_output=True)
        _, inspect_port, _ = harness.start_tls_origin(inspect_dir, cert=inspect_cert)
        self.blackhole_port, self._keep = origins.start_blackhole()
        self.ports = {"http": http_port, "tls": tls_port, "reset": origins.start_reset_origin(),
                      "stall": origins.start_stall_origin(), "blackhole": self.blackhole_port,
                      "sink": origins.start_sink(), "inspect": inspect_port}
        # A CA made for this run only (README "Deploying the CA"); never committed.
        subprocess.run([self.args.gatehouse, "ca", "init", "--out", os.path.join(self.dir, "ca"),
                        "--name", "gatehouse soak CA", "--days", "2"], check=True, capture_output=True)
        self.ca_pem = os.path.join(self.dir, "ca", "ca.pem")
        self.tree = gh.RuleTree(audit_path=os.path.join(self.audit_dir, "audit.jsonl"),
                                audit_extra="  rotate: { max_bytes: 4MiB, compress: gzip }\n")
        cfg = yaml.safe_load(open(self.tree.config))
        cfg["connect"]["ports"] = sorted({443, tls_port, self.ports["sink"], self.blackhole_port, inspect_port})
        hosts = os.path.join(self.dir, "hosts")
        with open(hosts, "w") as f:
            f.write("127.0.0.1 %s\n" % traffic.INSPECT_HOST)
        cfg["resolver"] = dict(cfg.get("resolver") or {}, hosts_file=hosts)
        cfg["policy"]["non_tls_tunnel"] = "block"
        cfg["policy"]["categories"]["soak-intercept"] = "block"
        cfg["tls_intercept"] = {"ca_cert": self.ca_pem, "ca_key": os.path.join(self.dir, "ca", "ca.key"),
                                "never": ["category:instant-messaging-web"],
                                "inspect": [traffic.INSPECT_HOST], "upstream_ca": inspect_cert[0]}
        cfg["limits"].update({"header_timeout": "2s", "idle_timeout": "6s", "connect_timeout": "2s",
                              "client_hello_timeout": "3s", "max_header_bytes": "8KiB", "drain_timeout": "2s"})
        with open(self.tree.config, "w") as f:
            yaml.safe_dump(cfg, f, sort_keys=False)
        self.toggle = 0
        self.tree.write("categories/soak-toggle.yaml", VALID_TOGGLE % (0, 0, 0))
        self.tree.write("categories/soak-intercept.yaml", INTERCEPT_CATEGORY)
        self.ports["proxy"] = self.tree.forward_port
        self.start_gatehouse()

    def start_gatehouse(self):
        self.g = self.gh.Gatehouse(self.tree.config, self.tree.admin_port, env={"GATEHOUSE_THREADS": "2"})
        self.g.wait_ready(timeout=30)
        self.sanitized = Process.sanitized(self.g.proc.pid)

    def now(self):
        return time.time() - self.t_start

    # ------------------------------------------------------------ traffic

    def worker(self, name, op, pace):
        while not self.stop.is_set():
            if self.paused.is_set():
                time.sleep(0.05)
                continue
            with self.active_lock:
                self.active += 1
            try:
                op()
            except Exception as e:  # a driver bug must not silently stop a workload
                self.notes.append("worker %s: %r" % (name, e))
            finally:
                with self.active_lock:
                    self.active -= 1
            self.stop.wait(pace * random.uniform(0.5, 1.5))

    def start_traffic(self):
        t = Traffic(self.ledger, self.ports, "%x" % random.getrandbits(24), self.ca_pem)
        self.traffic = t
        counter = iter(range(1 << 30))
        plan = [
            ("http-allowed-ka", lambda: t.http_allowed(True), 0.05),
            ("http-allowed-close", lambda: t.http_allowed(False), 0.03),
            ("http-allowed-close-2", lambda: t.http_allowed(False), 0.03),
            ("http-blocked", t.http_blocked, 0.03),
            ("tunnel-allowed", t.tunnel_allowed, 0.1),
            ("tunnel-connect-blocked", t.tunnel_connect_blocked, 0.1),
            ("tunnel-sni-blocked", t.tunnel_sni_blocked, 0.1),
            ("tunnel-idle-1", lambda: t.idle_tunnels(8, 3.0, self.stop), 0.2),
            ("tunnel-idle-2", lambda: t.idle_tunnels(8, 4.0, self.stop), 0.2),
            ("slowloris-1", t.slowloris, 0.2),
            ("slowloris-2", t.slowloris, 0.2),
            ("bad-input", lambda: t.bad_input(next(counter)), 0.05),
            ("origin-reset", lambda: t.origin_fault("reset"), 0.3),
            ("origin-stall", lambda: t.origin_fault("stall"), 0.5),
            ("origin-blackhole", lambda: t.origin_fault("blackhole"), 0.5),
            ("intercept-block-page", t.intercepted_block_page, 0.3),
            ("inspected", t.intercepted_flows, 0.3),
        ]
        self.threads = []
        for name, op, pace in plan:
            th = threading.Thread(target=self.worker, args=(name, op, pace), daemon=True, name=name)
            th.start()
            self.threads.append(th)

    def quiesce_sample(self, label):
        """Pauses every workload, lets gatehouse close what they held, then
        reads RSS and descriptors: a like-for-like point for the drift."""
        self.paused.set()
        deadline = time.time() + 20
        while time.time() < deadline and self.active > 0:
            time.sleep(0.05)
        time.sleep(1.5)
        self.samples[label] = (Process.sample(self.g.proc.pid), round(self.now(), 1))
        self.paused.clear()

    # ------------------------------------------------------------ faults

    def reload(self):
        if self.toggle % 2 == 0:
            self.tree.write("categories/soak-toggle.yaml", INVALID_TOGGLE)
            self.faults["reload-invalid"] += 1
        else:
            k = self.toggle
            self.tree.write("categories/soak-toggle.yaml", VALID_TOGGLE % (k, k, k))
            self.faults["reload-valid"] += 1
        self.toggle += 1
        self.g.signal(signal.SIGHUP)

    def make_valid(self):
        """A restart refuses an invalid tree: leave a valid one before it."""
        if self.toggle % 2 == 1:
            self.reload()

    def rotate(self):
        self.g.signal(signal.SIGUSR1)
        self.faults["rotate (SIGUSR1)"] += 1

    def disk_full(self, seconds):
        if not self.tmpfs:
            self.notes.append("audit disk full: skipped (no private tmpfs: needs root and unshare)")
            return
        t0 = time.time()
        filler = os.path.join(self.audit_dir, "filler")
        subprocess.run(["dd", "if=/dev/zero", "of=" + filler, "bs=1M"], capture_output=True, timeout=60)
        self.stop.wait(seconds)
        os.unlink(filler)
        # the writer retries every second; /readyz says when it is back
        deadline = time.time() + 20
        while time.time() < deadline:
            try:
                if self.gh.get(self.g.admin + "/readyz", timeout=2)[0] == 200:
                    break
            except OSError:
                pass
            time.sleep(0.1)
        self.windows.append((t0, time.time() + 1.0, "audit disk full"))
        self.faults["audit disk full"] += 1

    def kill_restart(self):
        self.make_valid()
        t0 = time.time()
        self.poll_metrics()
        if self.last_metrics is not None:
            self.metrics_lives.append(self.last_metrics)
            self.last_metrics = None
        self.g.proc.kill()
        self.g.proc.wait(timeout=10)
        self.logs.append(("killed", self.g.output()))
        self.g.log.close()
        os.unlink(self.g.log_path)
        self.start_gatehouse()
        self.windows.append((t0, time.time() + 1.0, "kill -9"))
        self.faults["kill -9 + restart"] += 1
        self.notes.append("kill -9 at %.1f s; ready again after %.2f s" % (t0 - self.t_start, time.time() - t0))

    def poll_metrics(self):
        try:
            m, _ = self.g.metrics()
            self.last_metrics = m
        except (OSError, AssertionError):
            pass

    def sampler(self):
        """RSS and descriptors every 2 s (min/max for the table), /metrics every 5 s."""
        n = 0
        while not self.stop.wait(2):
            s = Process.sample(self.g.proc.pid)
            if s:
                self.series.append((self.now(), s[0], s[1]))
            n += 1
            if n % 3 == 0:
                self.poll_metrics()

    # ------------------------------------------------------------ schedule

    def schedule(self):
        T = self.total
        events = []
        t = 3.0
        while t < T - 4:
            events.append((t, "reload"))
            t += 3.0
        rot = 10.0 if T <= 120 else 30.0
        t = rot
        while t < T - 4:
            events.append((t, "rotate"))
            t += rot
        # Warm-up covers every path once (a restart, a full disk, a rotation
        # with compression) before the "start" sample the drift is taken from.
        events.append((0.1 * T, "kill"))
        events.append((0.2 * T, "disk-full"))
        events.append((0.35 * T, "sample:start"))
        for i in range(int(self.args.minutes // 15)):  # one more per 15 minutes of a long run
            events.append((T * (0.5 + 0.4 * i / max(1, int(self.args.minutes // 15))), "disk-full"))
        events.append((0.7 * T, "sample:middle"))
        events.sort()
        return events

    def run(self):
        self.setup()
        self.series = []
        self.t_start = time.time()
        self.start_traffic()
        threading.Thread(target=self.sampler, daemon=True).start()
        full_seconds = 4 if self.args.minutes <= 2 else 8
        for at, what in self.schedule():
            delay = self.t_start + at - time.time()
            if delay > 0:
                time.sleep(delay)
            if what == "reload":
                self.reload()
            elif what == "rotate":
                self.rotate()
            elif what == "kill":
                self.kill_restart()
            elif what == "disk-full":
                self.disk_full(full_seconds)
            elif what.startswith("sample:"):
                self.quiesce_sample(what.split(":")[1])
        delay = self.t_start + self.total - time.time()
        if delay > 0:
            time.sleep(delay)
        self.make_valid()
        self.stop.set()
        for th in self.threads:
            th.join(timeout=30)
        self.paused.set()
        time.sleep(1.5)
        self.samples["end"] = (Process.sample(self.g.proc.pid), round(self.now(), 1))
        self.poll_metrics()
        if self.last_metrics is not None:
            self.metrics_lives.append(self.last_metrics)
        return self.finish()

    # ------------------------------------------------------------ the end

    def finish(self):
        self.g.proc.send_signal(signal.SIGTERM)
        try:
            rc = self.g.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.g.proc.kill()
            rc = "hung at SIGTERM (killed)"
        out = self.g.output()
        self.logs.append(("final", out))
        m = re.search(r"audit: stopped at seq (\d+) hash ([0-9a-f]+)", out)
        anchor = int(m.group(1)) if m else None
        files = audit_check.audit_files(self.audit_dir)
        cmd = [self.args.gatehouse, "audit", "verify"] + (["--expect-seq", str(anchor)] if anchor else []) + files
        v = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
        records = audit_check.read_records(files)
        result = report.Result(self, rc, anchor, files, v, records)
        if self.args.keep:
            os.makedirs(self.args.keep, exist_ok=True)
            with open(os.path.join(self.args.keep, "answers.jsonl"), "w") as fh:
                for a in self.ledger.answers:
                    fh.write(json.dumps(a.__dict__) + "\n")
            with open(os.path.join(self.args.keep, "windows.json"), "w") as fh:
                json.dump(self.windows, fh)
            for f in files:
                shutil.copy(f, self.args.keep)
            for name, text in self.logs:
                with open(os.path.join(self.args.keep, "gatehouse-%s.log" % name), "w") as fh:
                    fh.write(text)
        return result.print_and_judge()

    def cleanup(self):
        g = getattr(self, "g", None)  # absent if set-up failed
        if g is not None:
            if g.proc.poll() is None:
                g.proc.kill()
                g.proc.wait(timeout=10)
            g.log.close()
            if os.path.exists(g.log_path):
                os.unlink(g.log_path)
        if self.tmpfs:
            subprocess.run(["umount", self.audit_dir], capture_output=True)
        shutil.rmtree(self.dir, ignore_errors=True)
        if hasattr(self, "tree"):
            self.tree.cleanup()


def main():
    args = parse_args()
    if not args.gatehouse or not os.access(args.gatehouse, os.X_OK):
        print("soak: no gatehouse binary (set GATEHOUSE or --gatehouse)")
        return 77
    random.seed(args.seed)
    s = Soak(args)
    try:
        return s.run()
    finally:
        s.cleanup()


if __name__ == "__main__":
    sys.exit(main())
