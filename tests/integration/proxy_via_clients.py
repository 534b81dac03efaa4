"""Loops through our own Via entry, and clients.allow on every request of the
forward port (docs/threat-model.md; issue 10, classes 8 and 9).

Story 1: a request that has already passed through this gatehouse (it
carries the Via entry this instance adds) can only come back here; it is
refused, `deny loop-detected`, 508. Each instance's entry names it
(`via_name`, default `<host name>:<first listener port>`), so a second
gatehouse that sees the first one's entry lets the request through. Two real
instances are started; the entry each adds is read from what the origin
receives.

Story 2: `/proxy.pac`, `/wpad.dat`, `/metrics` and any other origin-form
request on the forward port answered clients outside `clients.allow`. They
now get 403, audited `client-not-allowed`, like absolute-form requests. The
client outside the list is played from 127.0.0.9 (the list here allows
127.0.0.1 and 127.0.0.2 only)."""
import json
import os
import socket
import sys
import tempfile
import threading

import yaml

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from proxy_lib.harness import (Gatehouse, OriginHandler, ThreadingServer, audit_mark, check,  # noqa: E402
                               fail, free_port, wait_record, write_rules)

paths_seen = []


class RecordingOrigin(OriginHandler):
    def do_GET(self):
        paths_seen.append(self.path)
        super().do_GET()


origin = ThreadingServer(("127.0.0.1", 0), RecordingOrigin)
threading.Thread(target=origin.serve_forever, daemon=True).start()
oport = origin.server_address[1]
base = b"http://127.0.0.1:%d" % oport


def start(name, via_name=None):
    d = tempfile.mkdtemp(prefix="gh-via-%s-" % name)
    port = free_port()
    cfg = write_rules(d, port, [], clients=["127.0.0.1/32", "127.0.0.2/32", "::1/128"])
    if via_name:
        with open(cfg) as f:
            y = yaml.safe_load(f)
        y["via_name"] = via_name
        with open(cfg, "w") as f:
            yaml.safe_dump(y, f, sort_keys=False)
    return Gatehouse(cfg, port), port, os.path.join(d, "audit.jsonl")


gh_a, port_a, audit_a = start("a")
gh_b, port_b, audit_b = start("b", via_name="gw-b.test")


# client address -> {audit log: records before its connection} (a later
# connection may reuse the source port, and its address then matches older records)
marks = {}


def request(port, path, headers=b"", src="127.0.0.1", method=b"GET", target=None):
    """One request; returns (answer, client address as audited)."""
    mark = {path_: audit_mark(path_) for path_ in (audit_a, audit_b)}
    s = socket.socket()
    s.bind((src, 0))
    s.settimeout(10)
    s.connect(("127.0.0.1", port))
    me = "%s:%d" % (src, s.getsockname()[1])
    marks[me] = mark
    t = target if target is not None else base + path
    s.sendall(method + b" " + t + b" HTTP/1.1\r\nHost: x\r\n" + headers + b"Connection: close\r\n\r\n")
    got = b""
    try:
        while True:
            c = s.recv(65536)
            if not c:
                break
            got += c
    except (socket.timeout, ConnectionResetError):
        pass
    s.close()
    return got, me


def decision(audit, me, what):
    return wait_record(audit, lambda r: r["event"] == "decision" and r["client"] == me, what=what,
                       after=marks.get(me, {}).get(audit, 0))


def via_to_origin(port, extra=b""):
    got, _ = request(port, b"/headers", extra)
    if not got.startswith(b"HTTP/1.1 200"):
        fail("no /headers answer: %r" % got[:200])
    return json.loads(got.split(b"\r\n\r\n", 1)[1])["via"]


# --- each instance names itself in Via
via_a = via_to_origin(port_a)
check(via_a == "1.1 %s:%d (gatehouse)" % (socket.gethostname(), port_a),
      "A's Via entry is <host name>:<port> by default (%s)" % via_a)
via_b = via_to_origin(port_b)
check(via_b == "1.1 gw-b.test (gatehouse)", "B's Via entry is its via_name (%s)" % via_b)

# --- a request carrying an instance's own entry is a loop
for via in (via_a, "1.0 squid, " + via_a, via_a.upper(), via_a.replace(" (gatehouse)", "")):
    before = len(paths_seen)
    got, me = request(port_a, b"/looped", b"Via: " + via.encode() + b"\r\n")
    check(got.startswith(b"HTTP/1.1 508"), "Via %r at A: 508 Loop Detected" % via)
    d = decision(audit_a, me, "loop")
    check(d["action"] == "deny" and d["reason"] == "loop-detected" and d["status"] == 508
          and d["url"] == (base + b"/looped").decode(), "Via %r at A: audited deny loop-detected" % via)
    check("/looped" not in paths_seen[before:], "Via %r at A: nothing reached the origin" % via)
got, me = request(port_b, b"/looped", b"Via: 1.1 other, 1.1 gw-b.test\r\n")
check(got.startswith(b"HTTP/1.1 508"), "B's own entry at B: 508")

# --- another instance's entry is not a loop: A -> B in a chain passes
got, me = request(port_b, b"/headers", b"Via: " + via_a.encode() + b"\r\n")
check(got.startswith(b"HTTP/1.1 200"), "A's entry at B: allowed")
seen = json.loads(got.split(b"\r\n\r\n", 1)[1])
check(seen["via"] == via_a + ", " + via_b, "B appends its entry after A's (%s)" % seen["via"])
got, me = request(port_a, b"/headers", b"Via: " + via_b.encode() + b"\r\n")
check(got.startswith(b"HTTP/1.1 200"), "B's entry at A: allowed")
d = decision(audit_a, me, "chain")
check(d["action"] == "allow", "B's entry at A: audited allow")

# --- clients.allow on everything the forward port answers itself
OUTSIDE = "127.0.0.9"
for method, target, what in ((b"GET", b"/proxy.pac", "PAC"), (b"GET", b"/wpad.dat", "WPAD"),
                             (b"HEAD", b"/proxy.pac", "PAC (HEAD)"), (b"GET", b"/metrics", "/metrics"),
                             (b"GET", b"/", "origin-form /"), (b"OPTIONS", b"*", "asterisk form"),
                             (b"GET", b"https://127.0.0.1/", "https absolute form"),
                             (b"GET", base + b"/x", "absolute form")):
    got, me = request(port_a, None, src=OUTSIDE, method=method, target=target)
    check(got.startswith(b"HTTP/1.1 403") and b"FindProxyForURL" not in got,
          "%s from a client outside clients.allow: 403" % what)
    d = decision(audit_a, me, what)
    check(d["action"] == "deny" and d["reason"] == "client-not-allowed" and d["status"] == 403,
          "%s from outside: audited client-not-allowed" % what)
got, me = request(port_a, None, target=b"/proxy.pac")
check(got.startswith(b"HTTP/1.1 200") and b"FindProxyForURL" in got, "PAC for a client inside clients.allow")
got, me = request(port_a, None, target=b"/metrics")
check(got.startswith(b"HTTP/1.1 400"), "/metrics on the forward port from inside: 400 (not served there)")

check(gh_a.stop() == 0 and gh_b.stop() == 0, "both instances stop cleanly")
print("proxy_via_clients: all passed")
