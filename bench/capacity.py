#!/usr/bin/env python3
"""Capacity figures for docs/capacity.md, measured on this machine:

  1. idle tunnels: RSS and descriptors of gatehouse holding 1,000, 5,000 and
     as many tunnels as the descriptor limit allows (10,000 where it can),
     opened by bench/load's idle mode through CONNECT to a loopback origin
     that holds them (asyncio, one process);
  2. audit volume: bytes per record by kind (decision, close) and the
     compression ratio of a rotated file with gzip and zstd, from gatehouse's
     own rotation.

Run through bench/capacity.sh (which raises the soft descriptor limit).
Everything binds to 127.0.0.1; every process is stopped by PID."""
import argparse
import asyncio
import glob
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def proc_sample(pid):
    with open("/proc/%d/status" % pid) as f:
        rss = int(re.search(r"VmRSS:\s+(\d+)", f.read()).group(1))
    return rss, len(os.listdir("/proc/%d/fd" % pid))


# ---------------------------------------------------------------- origin

def hold_origin(port, ready):
    """Accepts and holds every connection, reading and discarding (the idle
    tunnels send an unfinished request line, so nothing is ever answered)."""
    async def handle(reader, writer):
        try:
            while await reader.read(4096):
                pass
        except (ConnectionError, OSError):
            pass
        writer.close()

    async def main():
        srv = await asyncio.start_server(handle, "127.0.0.1", port, backlog=4096)
        ready.set()
        async with srv:
            await srv.serve_forever()
    asyncio.run(main())


# ---------------------------------------------------------------- gatehouse

CONFIG = """listen:
  - {{ address: "127.0.0.1:{fwd}", mode: forward }}
admin: {{ address: "127.0.0.1:{admin}" }}
clients: {{ allow: ["127.0.0.0/8"] }}
connect: {{ ports: [443, {origin}] }}
include:
  categories: "categories/*.yaml"
policy:
  uncategorized: allow
  categories:
    instant-messaging-web: block
  non_tls_tunnel: allow   # bench/load's idle tunnels hold a plain request line
  block_private_destinations: false
audit:
  path: "var/audit.jsonl"
  fsync: "1s"
  rotate: {{ compress: {compress} }}
limits:
  idle_timeout: "10m"
  max_connections: 20000
  max_connections_per_client: 20000
"""

CATEGORY = """category: instant-messaging-web
title: Web-based instant messaging
apps:
  - id: whatsapp-web
    title: WhatsApp Web
    domains: [.web.whatsapp.com]
"""


class Gatehouse:
    def __init__(self, binary, origin_port, compress="off"):
        self.dir = tempfile.mkdtemp(prefix="gh-capacity-")
        self.fwd, self.admin = free_port(), free_port()
        os.makedirs(os.path.join(self.dir, "categories"))
        os.makedirs(os.path.join(self.dir, "var"))
        with open(os.path.join(self.dir, "categories", "im.yaml"), "w") as f:
            f.write(CATEGORY)
        with open(os.path.join(self.dir, "gatehouse.yaml"), "w") as f:
            f.write(CONFIG.format(fwd=self.fwd, admin=self.admin, origin=origin_port, compress=compress))
        env = dict(os.environ, GATEHOUSE_THREADS="1")  # as bench/compare.sh: one event loop
        self.log = open(os.path.join(self.dir, "log"), "wb")
        self.proc = subprocess.Popen([binary, "serve", "--config", os.path.join(self.dir, "gatehouse.yaml")],
                                     stdout=self.log, stderr=subprocess.STDOUT, env=env)
        deadline = time.time() + 30
        while time.time() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.fwd), timeout=1).close()
                return
            except OSError:
                if self.proc.poll() is not None:
                    break
                time.sleep(0.1)
        raise RuntimeError("gatehouse did not start: " + open(self.log.name).read())

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()
        shutil.rmtree(self.dir, ignore_errors=True)


# ---------------------------------------------------------------- 1. idle tunnels

def idle_tunnels(binary, load, counts):
    port = free_port()
    ready = threading.Event()
    threading.Thread(target=hold_origin, args=(port, ready), daemon=True).start()
    ready.wait(10)
    g = Gatehouse(binary, port)
    rows = []
    try:
        # warm-up: one small round so allocator arenas and pools exist before the baseline
        run_idle(load, g.fwd, port, 200, g.dir)
        time.sleep(2)
        # RSS does not fall back when tunnels close (the allocator keeps the
        # pages for reuse), so each count is also measured from this first baseline.
        first = proc_sample(g.proc.pid)
        for n in counts:
            base = proc_sample(g.proc.pid)
            ready_file = os.path.join(g.dir, "ready-%d" % n)
            gen = subprocess.Popen([load, "--mode", "idle", "--proxy", "127.0.0.1:%d" % g.fwd,
                                    "--target", "127.0.0.1:%d" % port, "-c", str(n), "-d", "300",
                                    "--ramp-parallel", "64", "--timeout", "30", "--ready-file", ready_file,
                                    "--label", "idle-%d" % n], stdout=subprocess.PIPE, text=True)
            t0 = time.time()
            while time.time() - t0 < 180 and not os.path.exists(ready_file):
                time.sleep(0.2)
            time.sleep(3)  # let the proxy finish its per-tunnel work
            held_rss, held_fds = proc_sample(g.proc.pid)
            opened = int(open(ready_file).read().strip() or 0) if os.path.exists(ready_file) else 0
            gen.send_signal(signal.SIGTERM)
            out, _ = gen.communicate(timeout=60)
            line = json.loads(out.strip().splitlines()[-1]) if out.strip() else {}
            held = opened - line.get("dropped", 0)
            time.sleep(3)
            after_rss, after_fds = proc_sample(g.proc.pid)
            rows.append({"tunnels": held, "open_seconds": round(time.time() - t0 - 6, 1),
                         "rss_before_kib": base[0], "rss_held_kib": held_rss, "rss_after_close_kib": after_rss,
                         "fds_before": base[1], "fds_held": held_fds, "fds_after_close": after_fds,
                         "kib_per_tunnel": round((held_rss - base[0]) / held, 2) if held else None,
                         "rss_first_baseline_kib": first[0],
                         "kib_per_tunnel_from_first": round((held_rss - first[0]) / held, 2) if held else None,
                         "fds_per_tunnel": round((held_fds - base[1]) / held, 3) if held else None,
                         "errors": line.get("errors")})
            print(json.dumps(rows[-1]), flush=True)
    finally:
        g.stop()
    return rows


def run_idle(load, fwd, port, n, d):
    rf = os.path.join(d, "warm")
    gen = subprocess.Popen([load, "--mode", "idle", "--proxy", "127.0.0.1:%d" % fwd, "--target",
                            "127.0.0.1:%d" % port, "-c", str(n), "-d", "60", "--ready-file", rf],
                           stdout=subprocess.DEVNULL)
    t0 = time.time()
    while time.time() - t0 < 30 and not os.path.exists(rf):
        time.sleep(0.1)
    gen.send_signal(signal.SIGTERM)
    gen.wait(timeout=30)


# ---------------------------------------------------------------- 2. audit volume

def audit_volume(binary, load, compress, requests):
    origin_port = free_port()
    origin = subprocess.Popen([load, "--serve-403", str(origin_port), "-d", "600"], stdout=subprocess.DEVNULL)
    time.sleep(0.5)
    g = Gatehouse(binary, origin_port, compress=compress)
    try:
        # A URL of typical length (70 characters) for the allowed requests.
        url = "http://127.0.0.1:%d/assets/v2/app/main.bundle.js?v=20261205&lang=en" % origin_port
        for args in (["--mode", "get", "--url", url],
                     ["--mode", "get", "--url", "http://web.whatsapp.com/", "--new-connection"],
                     ["--mode", "connect", "--target", "web.whatsapp.com:443"]):
            subprocess.run([load] + args + ["--proxy", "127.0.0.1:%d" % g.fwd, "-c", "8", "-d", "8",
                                            "-n", str(requests)], stdout=subprocess.DEVNULL, timeout=120)
        live = os.path.join(g.dir, "var", "audit.jsonl")
        time.sleep(1.5)  # fsync: 1s
        plain = open(live, "rb").read()
        g.proc.send_signal(signal.SIGUSR1)
        pattern = os.path.join(g.dir, "var", "audit-*.jsonl" + {"gzip": ".gz", "zstd": ".zst"}[compress])
        deadline = time.time() + 60
        while time.time() < deadline and not glob.glob(pattern):
            time.sleep(0.1)
        packed = glob.glob(pattern)
        size = os.path.getsize(packed[0]) if packed else None
        kinds = {}
        for line in plain.splitlines(keepends=True):
            r = json.loads(line)
            k = "%s %s %s" % (r["event"], r["method"] or "-", r["action"])
            n, b = kinds.get(k, (0, 0))
            kinds[k] = (n + 1, b + len(line))
        return {"compress": compress, "records": len(plain.splitlines()), "bytes": len(plain),
                "compressed_bytes": size, "ratio": round(len(plain) / size, 2) if size else None,
                "bytes_per_record": round(len(plain) / max(1, len(plain.splitlines())), 1),
                "by_kind": {k: {"records": n, "bytes_per_record": round(b / n, 1)} for k, (n, b) in sorted(kinds.items())}}
    finally:
        g.stop()
        origin.kill()
        origin.wait()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--gatehouse", default=os.environ.get("GATEHOUSE", os.path.join(ROOT, "build/proxy/gatehouse")))
    ap.add_argument("--load", default=os.path.join(ROOT, "build/bench/load/load"))
    ap.add_argument("--tunnels", type=int, default=10000)
    ap.add_argument("--requests", type=int, default=20000, help="per workload, for the audit volume")
    ap.add_argument("--skip-tunnels", action="store_true")
    args = ap.parse_args()
    import resource
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    # gatehouse holds 2 sockets per idle tunnel (no pipe while idle), plus ~40 of its own
    fit = (soft - 200) // 2
    n = min(args.tunnels, fit)
    print("# descriptor limit %d (hard %d): idle tunnels %d of the %d asked" % (soft, hard, n, args.tunnels), flush=True)
    out = {"nofile_soft": soft, "nofile_hard": hard, "asked": args.tunnels}
    if not args.skip_tunnels:
        counts = sorted({c for c in (1000, 5000, n) if c <= n})
        out["idle"] = idle_tunnels(args.gatehouse, args.load, counts)
    out["audit"] = [audit_volume(args.gatehouse, args.load, c, args.requests) for c in ("gzip", "zstd")]
    for a in out["audit"]:
        print(json.dumps(a), flush=True)
    print("RESULT " + json.dumps(out), flush=True)


if __name__ == "__main__":
    sys.exit(main())
