#!/usr/bin/env python3
"""CPU time gatehouse spends relaying the same body chunked into one-byte
chunks and with a Content-Length (issue 10, class 9): the per-chunk cost
must stay small, so the two should be close.

Starts the given gatehouse binary and a local origin on loopback, sends each
case --rounds times through the proxy and reads the proxy's utime+stime
from /proc/PID/stat around each transfer (clock ticks, usually 10 ms).
Prints the median CPU milliseconds per transfer for:

  response chunked  origin answers N one-byte chunks (client GET)
  response length   origin answers the same N bytes with Content-Length
  request chunked   client POSTs N one-byte chunks
  request length    client POSTs the same N bytes with Content-Length

  python3 bench/chunked_cpu.py [--gatehouse build/proxy/gatehouse] [--chunks 300000] [--rounds 5]
"""
import argparse
import os
import socket
import statistics
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "integration"))
from proxy_lib import harness  # noqa: E402

ap = argparse.ArgumentParser()
ap.add_argument("--gatehouse", default=os.path.join(HERE, "..", "build", "proxy", "gatehouse"))
ap.add_argument("--chunks", type=int, default=300000)
ap.add_argument("--rounds", type=int, default=5)
args = ap.parse_args()
harness.BIN = os.path.abspath(args.gatehouse)

N = args.chunks
PAYLOAD = bytes(b"abcdefghijklmnopqrstuvwxyz"[i % 26] for i in range(N))
CHUNKED = b"".join(b"1\r\n" + PAYLOAD[i:i + 1] + b"\r\n" for i in range(N)) + b"0\r\n\r\n"


class Origin(harness.OriginHandler):
    def do_GET(self):
        self.send_response(200)
        if self.path == "/chunked":
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            self.wfile.write(CHUNKED)
        else:
            self.send_header("Content-Length", str(N))
            self.end_headers()
            self.wfile.write(PAYLOAD)

    def do_POST(self):
        data = self._body()
        body = b"%d" % len(data)
        self.send_response(200 if data == PAYLOAD else 500)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def cpu_ticks(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15)


def read_response(s):
    """Reads one response to its end (Content-Length or chunked), returns its body size."""
    buf = b""
    while b"\r\n\r\n" not in buf:
        buf += s.recv(65536)
    head, rest = buf.split(b"\r\n\r\n", 1)
    if not head.startswith(b"HTTP/1.1 200"):
        sys.exit("FAIL: %r" % head[:200])
    lower = head.lower()
    if b"content-length:" in lower:
        n = int(lower.split(b"content-length:")[1].split(b"\r\n")[0])
        while len(rest) < n:
            rest += s.recv(1 << 20)
        if n == N and rest != PAYLOAD:
            sys.exit("FAIL: body differs")
        return n
    while not rest.endswith(b"\r\n0\r\n\r\n"):
        got = s.recv(1 << 20)
        if not got:
            break
        rest += got
    body, pos = b"", 0
    while True:  # de-chunk and compare: the bench must not time a broken relay
        eol = rest.index(b"\r\n", pos)
        size = int(rest[pos:eol].split(b";")[0], 16)
        if size == 0:
            break
        body += rest[eol + 2:eol + 2 + size]
        pos = eol + 2 + size + 2
    if body != PAYLOAD:
        sys.exit("FAIL: chunked body differs (%d bytes)" % len(body))
    return len(body)


def transfer(port, oport, case):
    s = socket.create_connection(("127.0.0.1", port), timeout=60)
    url = "http://127.0.0.1:%d" % oport
    if case == "response chunked":
        s.sendall(b"GET %s/chunked HTTP/1.1\r\nHost: x\r\n\r\n" % url.encode())
    elif case == "response length":
        s.sendall(b"GET %s/length HTTP/1.1\r\nHost: x\r\n\r\n" % url.encode())
    elif case == "request chunked":
        s.sendall(b"POST %s/ HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" % url.encode()
                  + CHUNKED)
    else:
        s.sendall(b"POST %s/ HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n" % (url.encode(), N)
                  + PAYLOAD)
    read_response(s)
    s.close()


def main():
    d = tempfile.mkdtemp(prefix="gh-chunked-")
    port = harness.free_port()
    cfg = harness.write_rules(d, port, [])
    srv = harness.ThreadingServer(("127.0.0.1", 0), Origin)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    oport = srv.server_address[1]
    gh = harness.Gatehouse(cfg, port)
    hz = os.sysconf("SC_CLK_TCK")
    cases = ["response chunked", "response length", "request chunked", "request length"]
    results = {c: [] for c in cases}
    try:
        for c in cases:
            transfer(port, oport, c)  # warm up: pools, caches
        for _ in range(args.rounds):
            for c in cases:
                before = cpu_ticks(gh.proc.pid)
                transfer(port, oport, c)
                time.sleep(0.05)  # let the close record be written inside the window
                results[c].append((cpu_ticks(gh.proc.pid) - before) * 1000.0 / hz)
    finally:
        gh.stop()
        srv.shutdown()
    print("gatehouse %s, %d one-byte chunks (%d bytes on the wire) vs %d bytes with a length, %d rounds"
          % (harness.BIN, N, len(CHUNKED), N, args.rounds))
    print("%-18s %10s %8s  %s" % ("case", "median ms", "mean ms", "all (ms)"))
    for c in cases:
        print("%-18s %10.0f %8.1f  %s" % (c, statistics.median(results[c]), statistics.mean(results[c]),
                                           " ".join("%.0f" % v for v in results[c])))


main()
