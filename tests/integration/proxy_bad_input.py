"""Bad input on the forward port (README "Running the proxy") with raw sockets: each gets its
answer (400/403/408/431 or a close for binary), leaves an audit record
naming the client, and a normal request still works afterwards."""
import os
import socket
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from proxy_lib.harness import (Gatehouse, audit_mark, audit_records, check, curl, free_port,  # noqa: E402
                               start_origin, wait_record, write_rules, client_hello)

tmp = tempfile.mkdtemp(prefix="gh-proxy-bad-")
origin, oport = start_origin()
port = free_port()
config = write_rules(tmp, port, [])
audit = os.path.join(tmp, "audit.jsonl")
gh = Gatehouse(config, port)
proxy = "127.0.0.1:%d" % port


def send(data, pause=None, timeout=6):
    """Returns (answer, client address text as audited)."""
    s = socket.socket()
    s.settimeout(timeout)
    s.connect(("127.0.0.1", port))
    me = "127.0.0.1:%d" % s.getsockname()[1]
    try:
        if pause is None:
            s.sendall(data)
        else:
            for b in data:
                s.send(bytes([b]))
                time.sleep(pause)
    except (BrokenPipeError, ConnectionResetError):
        pass
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


def still_works():
    r = curl("-x", proxy, "http://127.0.0.1:%d/after" % oport)
    return b"hello from origin /after" in r.stdout


def case(name, data, status, reason, **kw):
    mark = audit_mark(audit)  # a later connection may reuse the source port
    got, me = send(data, **kw)
    if status is None:
        check(got == b"" or got.startswith(b"HTTP/1.1 400"), name + ": closed or 400")
    else:
        check(got.startswith(b"HTTP/1.1 %d" % status), "%s: answers %d (got %r)" % (name, status, got[:40]))
    if reason:
        r = wait_record(audit, lambda r: r["client"] == me and r["event"] == "decision", what=name,
                        after=mark)
        check(r["reason"] == reason and r["action"] in ("deny", "block"), "%s: audited %s" % (name, reason))
    check(still_works(), name + ": a normal request still works")


U = b"http://127.0.0.1:%d/" % oport
case("obs-fold", b"GET " + U + b" HTTP/1.1\r\nHost: a\r\nX-A: 1\r\n 2\r\n\r\n", 400, "bad-request")
case("bare CR", b"GET " + U + b" HTTP/1.1\r\nHost: a\r\nX-A: 1\r2\r\n\r\n", 400, "bad-request")
case("bare LF", b"GET " + U + b" HTTP/1.1\nHost: a\n\n", 400, "bad-request")
case("CL and TE", b"POST " + U + b" HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
     400, "bad-request")
case("TE gzip and CL", b"POST " + U + b" HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\nContent-Length: 5\r\n\r\nhello",
     400, "bad-request")
case("TE not chunked", b"POST " + U + b" HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\nhello", 400, "bad-request")
case("two Content-Length", b"POST " + U + b" HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!",
     400, "bad-request")
case("method not a token", b"G(T " + U + b" HTTP/1.1\r\nHost: a\r\n\r\n", 400, "bad-request")
case("malformed request line", b"GET\r\n\r\n", 400, "bad-request")
case("headers too large", b"GET " + U + b" HTTP/1.1\r\nHost: a\r\n" + b"X-Big: " + b"a" * 9000 + b"\r\n\r\n",
     431, "header-too-large")
case("many headers", b"GET " + U + b" HTTP/1.1\r\n" + b"".join(b"X-%d: v\r\n" % i for i in range(2000)) + b"\r\n",
     431, "header-too-large")
case("slowloris", b"GET " + U + b" HTTP/1.1\r\nHost: a\r\nX-Slow: " + b"a" * 20 + b"\r\n\r\n", 408, "header-timeout",
     pause=0.1)
case("HTTP/2 preface", b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 400, "bad-request")
case("garbage", os.urandom(64) + b"\r\n\r\n", None, None)
case("TLS ClientHello on the forward port", client_hello("example.com"), None, None)
case("origin-form", b"GET /index.html HTTP/1.1\r\nHost: a\r\n\r\n", 400, "bad-request")
case("https absolute-form", b"GET https://example.com/ HTTP/1.1\r\nHost: example.com\r\n\r\n", 400, "bad-request")
case("CONNECT without port", b"CONNECT example.com HTTP/1.1\r\nHost: example.com\r\n\r\n", 400, "bad-request")
case("CONNECT bad authority", b"CONNECT exa_mple..com:443 HTTP/1.1\r\nHost: x\r\n\r\n", 400, "bad-request")
case("CONNECT port not allowed", b"CONNECT example.com:25 HTTP/1.1\r\nHost: example.com:25\r\n\r\n", 403,
     "port-not-allowed")
case("bad Host in absolute-form", b"GET http://a_b..c/ HTTP/1.1\r\nHost: x\r\n\r\n", 400, "bad-request")
case("extension method is forwarded", b"PROPFIND " + U + b" HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n",
     501, None)

# An idle client that never sends anything is cut at header_timeout too.
got, me = send(b"", timeout=6)
check(got.startswith(b"HTTP/1.1 408") or got == b"", "silent connection closed after header_timeout")

rc = gh.stop()
check(rc == 0, "clean stop")
n = sum(1 for r in audit_records(audit) if r.get("reason") == "bad-request")
check(n >= 15, "bad-request records: %d" % n)
print("proxy_bad_input: all passed")
