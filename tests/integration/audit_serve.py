#!/usr/bin/env python3
"""The audit log of a real `gatehouse serve`: records for blocked requests,
query redaction, rotation on SIGUSR1, the anchor logged at stop, and the chain
continued across rotation and a restart (`audit verify --expect-seq`)."""
import glob
import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

GATEHOUSE = os.environ.get("GATEHOUSE")
SRC = os.environ.get("GH_SOURCE_DIR", os.getcwd())


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def write_config(tmp, port, admin, extra_audit=""):
    rules = os.path.join(tmp, "rules")
    if not os.path.isdir(rules):
        shutil.copytree(os.path.join(SRC, "rules"), rules)
    cfg = os.path.join(rules, "gatehouse.yaml")
    with open(cfg, "w") as f:
        f.write(f"""
listen:
  - {{ address: "127.0.0.1:{port}", mode: forward }}
admin: {{ address: "127.0.0.1:{admin}" }}
clients: {{ allow: ["127.0.0.0/8"] }}
connect: {{ ports: [443] }}
include:
  categories: "categories/*.yaml"
  departments: "departments.yaml"
  approvals: "approvals.yaml"
schedules:   # the shipped departments.yaml names it
  lunch: {{ days: [mon, tue, wed, thu, fri], from: "12:00", to: "14:00" }}
policy:
  uncategorized: allow
  categories:
    instant-messaging-web: block
    public-cloud-storage: block
    personal-webmail: monitor
audit:
  path: "../var/audit.jsonl"
  fsync: every
  rotate: {{ max_bytes: "1GiB" }}
  on_failure: block
  redact: [query]
{extra_audit}
""")
    return cfg


class Proxy:
    def __init__(self, cfg, tmp, name, preexec=None):
        self.log_path = os.path.join(tmp, name + ".log")
        self.log = open(self.log_path, "w")
        self.p = subprocess.Popen([GATEHOUSE, "serve", "--config", cfg], stdout=self.log,
                                  stderr=subprocess.STDOUT, preexec_fn=preexec)

    def wait_port(self, port):
        deadline = time.time() + 20
        while time.time() < deadline:
            if self.p.poll() is not None:
                raise SystemExit("FAIL: gatehouse serve exited early:\n" + self.text())
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.1)
        raise SystemExit("FAIL: gatehouse serve did not listen:\n" + self.text())

    def stop(self):
        if self.p.poll() is None:
            self.p.send_signal(signal.SIGTERM)
            try:
                self.p.wait(timeout=40)
            except subprocess.TimeoutExpired:
                self.p.kill()
                self.p.wait()
        self.log.close()
        return self.p.returncode

    def text(self):
        if not self.log.closed:
            self.log.flush()
        with open(self.log_path, errors="replace") as f:
            return f.read()


def get(port, url):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    host = url.split("/")[2]
    c.request("GET", url, headers={"Host": host})
    r = c.getresponse()
    body = r.read().decode(errors="replace")
    c.close()
    return r.status, body


def verify(*args):
    return subprocess.run([GATEHOUSE, "audit", "verify", *args], capture_output=True, text=True,
                          timeout=60)


def main():
    if not GATEHOUSE:
        print("GATEHOUSE not set", file=sys.stderr)
        return 1
    tmp = tempfile.mkdtemp(prefix="gh-integ-audit-serve-")
    procs = []
    try:
        port, admin = free_port(), free_port()
        cfg = write_config(tmp, port, admin)
        live = os.path.join(tmp, "var", "audit.jsonl")

        px = Proxy(cfg, tmp, "serve1")
        procs.append(px)
        px.wait_port(port)
        ids = []
        for i in range(20):
            status, body = get(port, f"http://web.whatsapp.com/chat?secret={i}")
            assert status == 403, (status, body[:200])
            ids += re.findall(r"gh-[0-9a-f]+-\d+", body)[:1]
        os.kill(px.p.pid, signal.SIGUSR1)
        deadline = time.time() + 10
        while not glob.glob(os.path.join(tmp, "var", "audit-*.jsonl")) and time.time() < deadline:
            time.sleep(0.1)
        rotated = sorted(glob.glob(os.path.join(tmp, "var", "audit-*.jsonl")))
        assert len(rotated) == 1, ("no rotated file after SIGUSR1", px.text())
        assert re.search(r"/audit-\d{8}T\d{6}Z\.jsonl$", rotated[0]), rotated
        for i in range(10):
            status, _ = get(port, "http://web.whatsapp.com/")
            assert status == 403
        rc = px.stop()
        assert rc == 0, ("serve exit", rc, px.text())
        m = re.findall(r"audit: stopped at seq (\d+) hash ([0-9a-f]{64})", px.text())
        assert m, ("no anchor at stop", px.text())
        seq, last_hash = int(m[-1][0]), m[-1][1]
        assert re.search(r"audit: rotated \(signal\) .* at seq \d+ hash [0-9a-f]{64}", px.text())

        lines = [json.loads(l) for f in rotated + [live] for l in open(f, encoding="utf-8")]
        assert len(lines) >= 30, len(lines)
        assert [r["seq"] for r in lines] == list(range(1, len(lines) + 1))
        assert lines[-1]["seq"] == seq and lines[-1]["hash"] == last_hash
        for r in lines:
            assert r["event"] == "decision" and r["action"] == "block", r
            assert r["reason"] == "category-blocked" and r["app"] == "whatsapp-web", r
            if r["url"] is not None:
                assert "?" not in r["url"] and "secret" not in r["url"], r["url"]
        logged_ids = {r["id"] for r in lines}
        for i in ids:
            assert i in logged_ids, ("block page names a record not in the log", i)

        v = verify(*rotated, live, "--expect-seq", str(seq))
        assert v.returncode == 0, v.stdout + v.stderr
        assert f"last seq: {seq}" in v.stdout and last_hash in v.stdout, v.stdout

        # Restart: the chain goes on from the live file.
        px2 = Proxy(cfg, tmp, "serve2")
        procs.append(px2)
        px2.wait_port(port)
        for i in range(5):
            status, _ = get(port, "http://web.whatsapp.com/")
            assert status == 403
        assert px2.stop() == 0
        m2 = re.findall(r"audit: stopped at seq (\d+) hash", px2.text())
        seq2 = int(m2[-1])
        assert seq2 >= seq + 5, (seq, seq2)
        v = verify(*rotated, live, "--expect-seq", str(seq2))
        assert v.returncode == 0, v.stdout + v.stderr
        assert "first seq: 1" in v.stdout, v.stdout
        v = verify(*rotated, live, "--expect-seq", str(seq2 + 1))
        assert v.returncode == 1 and "anchor" in v.stdout, v.stdout
        print(f"ok: {seq2} records, verified across {len(rotated) + 1} files and a restart")
        return 0
    finally:
        for p in procs:
            if p.p.poll() is None:
                p.p.kill()
                p.p.wait()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
