"""Graceful stop (README "Running the proxy"): SIGTERM during a slow download lets the download
complete, refuses new connections, writes the close record, exits 0; and a
tunnel still open at drain_timeout is closed, with its close record."""
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from proxy_lib.harness import (Gatehouse, audit_records, check, free_port, start_origin,  # noqa: E402
                               write_rules)

tmp = tempfile.mkdtemp(prefix="gh-proxy-drain-")
origin, oport = start_origin()
port = free_port()
config = write_rules(tmp, port, [oport], limits={"drain_timeout": "6s"})
audit = os.path.join(tmp, "audit.jsonl")
gh = Gatehouse(config, port)
proxy = "127.0.0.1:%d" % port

out = os.path.join(tmp, "slow.bin")
dl = subprocess.Popen(["curl", "-sS", "--max-time", "60", "-x", proxy, "-o", out,
                       "http://127.0.0.1:%d/slow" % oport])
# An idle keep-alive client and an open tunnel (CONNECT to the plain origin).
idle = socket.create_connection(("127.0.0.1", port))
idle.sendall(b"GET http://127.0.0.1:%d/i HTTP/1.1\r\nHost: x\r\n\r\n" % oport)
time.sleep(0.2)
idle.recv(65536)
tunnel = socket.create_connection(("127.0.0.1", port))
tunnel.sendall(b"CONNECT 127.0.0.1:%d HTTP/1.1\r\nHost: x\r\n\r\n" % oport)
check(tunnel.recv(4096).startswith(b"HTTP/1.1 200"), "tunnel open")
time.sleep(0.8)  # the download is under way
t0 = time.time()
gh.proc.send_signal(signal.SIGTERM)
time.sleep(0.3)
try:
    socket.create_connection(("127.0.0.1", port), timeout=2).close()
    refused = False
except OSError:
    refused = True
check(refused, "no new connections once draining")
idle.settimeout(5)
check(idle.recv(100) == b"", "idle keep-alive connection closed by the drain")
rc = dl.wait(timeout=60)
check(rc == 0 and os.path.getsize(out) == 2 * 1024 * 1024, "slow download completed during drain")
rc = gh.proc.wait(timeout=30)
took = time.time() - t0
check(rc == 0, "exit 0 after drain")
check(took < 15, "tunnel cut at drain_timeout (took %.1fs)" % took)
recs = audit_records(audit)
closes = [r for r in recs if r["event"] == "close"]
check(any(r.get("bytes_down") == 2 * 1024 * 1024 for r in closes), "download close record written")
check(any(r.get("method") == "CONNECT" for r in closes), "tunnel close record written")
tunnel.close()
print("proxy_drain: all passed")
