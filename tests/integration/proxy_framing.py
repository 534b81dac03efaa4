"""Framing values are never forwarded as they came (docs/threat-model.md; issue 10,
classes 7 and 9).

The story: `Content-Length: 5, 5` and two identical `Content-Length`
headers were passed on verbatim in requests and responses; a peer reading
them differently desynchronises a pooled connection and the next client's
request rides on it. Now identical values collapse into one header,
differing ones are refused (400 from a client, 502 from an origin, both on
record), and a list is never forwarded. Checked with raw sockets on both
sides: a fake origin that records the bytes it receives and answers with
such responses.

Also: 300,000 one-byte chunks, each way, arrive intact (the relay batches
chunks per buffer instead of one send per chunk; bench/chunked_cpu.py
measures the CPU)."""
import hashlib
import os
import socket
import sys
import tempfile
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from proxy_lib.harness import (Gatehouse, audit_mark, check, fail, free_port, wait_record,  # noqa: E402
                               write_rules)

N_CHUNKS = 300000
PAYLOAD = bytes(b"0123456789abcdef"[i % 16] for i in range(N_CHUNKS))
CHUNKED = b"".join(b"1\r\n" + PAYLOAD[i:i + 1] + b"\r\n" for i in range(N_CHUNKS)) + b"0\r\n\r\n"

RESPONSES = {
    b"/cl-list": b"HTTP/1.1 200 OK\r\nContent-Length: 5, 5\r\n\r\nhello",
    b"/cl-list3": b"HTTP/1.1 200 OK\r\nContent-Length: 5,5 , 5\r\n\r\nhello",
    b"/cl-twice": b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\nhello",
    b"/cl-padded": b"HTTP/1.1 200 OK\r\nContent-Length: 005\r\n\r\nhello",
    b"/cl-differ": b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!",
    b"/cl-list-differ": b"HTTP/1.1 200 OK\r\nContent-Length: 5, 6\r\n\r\nhello!",
    b"/cl-empty-item": b"HTTP/1.1 200 OK\r\nContent-Length: 5,\r\n\r\nhello",
    b"/te-and-cl": b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
    b"/ok": b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
    b"/to-close": b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n" + b"read to the close " * 5000,
    b"/chunks": b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + CHUNKED,
}


STREAM_SEEN = threading.Event()


class RawOrigin:
    """Answers each request with RESPONSES[path] (keep-alive) and records
    what it received: (connection number, head, body)."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.seen = []
        self.connections = 0
        self.lock = threading.Lock()
        threading.Thread(target=self.accept, daemon=True).start()

    def accept(self):
        while True:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            with self.lock:
                self.connections += 1
                n = self.connections
            threading.Thread(target=self.serve, args=(c, n), daemon=True).start()

    def serve(self, c, n):
        c.settimeout(30)
        buf = b""

        def need(k):
            nonlocal buf
            while len(buf) < k:
                got = c.recv(1 << 20)
                if not got:
                    raise EOFError
                buf += got

        def line():
            nonlocal buf
            while b"\r\n" not in buf:
                got = c.recv(1 << 20)
                if not got:
                    raise EOFError
                buf += got
            ln, buf = buf.split(b"\r\n", 1)
            return ln

        try:
            while True:
                while b"\r\n\r\n" not in buf:
                    got = c.recv(65536)
                    if not got:
                        return
                    buf += got
                head, buf = buf.split(b"\r\n\r\n", 1)
                lines = head.split(b"\r\n")
                fields = [ln.split(b":", 1) for ln in lines[1:]]
                lengths = [v.strip() for k, v in fields if k.strip().lower() == b"content-length"]
                chunked = any(k.strip().lower() == b"transfer-encoding" for k, v in fields)
                body = b""
                if chunked:
                    parts = []
                    while True:
                        size = int(line().split(b";")[0], 16)
                        if size == 0:
                            while line() != b"":
                                pass
                            break
                        need(size + 2)
                        parts.append(buf[:size])
                        buf = buf[size + 2:]
                    body = b"".join(parts)
                elif lengths:
                    k = int(lengths[0])  # the proxy must have left exactly one, a plain number
                    need(k)
                    body, buf = buf[:k], buf[k:]
                with self.lock:
                    self.seen.append((n, head, body))
                path = lines[0].split(b" ")[1].split(b"?")[0]
                if path == b"/stream":
                    # One small chunk, then nothing until the client has seen it.
                    c.sendall(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nfirst\r\n")
                    STREAM_SEEN.wait(15)
                    c.sendall(b"6\r\nsecond\r\n0\r\n\r\n")
                    continue
                c.sendall(RESPONSES.get(path, RESPONSES[b"/ok"]))
                if path == b"/to-close":
                    return  # the body ends with the connection
        except (EOFError, OSError, ValueError):
            pass
        finally:
            c.close()

    def last(self):
        with self.lock:
            return self.seen[-1]


tmp = tempfile.mkdtemp(prefix="gh-framing-")
origin = RawOrigin()
port = free_port()
config = write_rules(tmp, port, [])
audit = os.path.join(tmp, "audit.jsonl")
gh = Gatehouse(config, port)
base = b"http://127.0.0.1:%d" % origin.port


class Client:
    """One client connection to the proxy; reads whole responses."""

    def __init__(self):
        # audit records before this connection: a later one may reuse the source port
        self.mark = audit_mark(audit)
        self.s = socket.create_connection(("127.0.0.1", port), timeout=30)
        self.me = "127.0.0.1:%d" % self.s.getsockname()[1]
        self.buf = b""

    def send(self, data):
        self.s.sendall(data)

    def _fill(self):
        got = self.s.recv(1 << 20)
        if not got:
            raise EOFError
        self.buf += got

    def response(self):
        """(status line, [header lines], body) of the next response; None at close."""
        try:
            while b"\r\n\r\n" not in self.buf:
                self._fill()
        except (EOFError, OSError):
            return None
        head, self.buf = self.buf.split(b"\r\n\r\n", 1)
        lines = head.split(b"\r\n")
        headers = lines[1:]
        lengths = [h.split(b":", 1)[1].strip() for h in headers if h.lower().startswith(b"content-length:")]
        if any(h.lower().startswith(b"transfer-encoding:") for h in headers):
            body = b""
            while True:
                while b"\r\n" not in self.buf:
                    self._fill()
                size_line, self.buf = self.buf.split(b"\r\n", 1)
                size = int(size_line.split(b";")[0], 16)
                if size == 0:
                    while b"\r\n" not in self.buf:
                        self._fill()
                    self.buf = self.buf.split(b"\r\n", 1)[1]
                    break
                while len(self.buf) < size + 2:
                    self._fill()
                body += self.buf[:size]
                self.buf = self.buf[size + 2:]
        elif lengths:
            if len(lengths) != 1 or not lengths[0].isdigit():
                fail("the client got Content-Length %r: a list or repeat was forwarded" % lengths)
            k = int(lengths[0])
            while len(self.buf) < k:
                self._fill()
            body, self.buf = self.buf[:k], self.buf[k:]
        else:
            body = self.buf
            try:
                while True:
                    self._fill()
            except (EOFError, OSError):
                pass
            body, self.buf = self.buf, b""
        return lines[0], headers, body

    def close(self):
        self.s.close()


def content_lengths(headers):
    return [h for h in headers if h.lower().startswith(b"content-length:")]


# --- responses: identical values collapse into one header; the pooled connection stays in step
for path in (b"/cl-list", b"/cl-list3", b"/cl-twice", b"/cl-padded"):
    cl = Client()
    cl.send(b"GET " + base + path + b" HTTP/1.1\r\nHost: x\r\n\r\n")
    status, headers, body = cl.response()
    check(status.startswith(b"HTTP/1.1 200") and body == b"hello", "%s: relayed" % path.decode())
    check(content_lengths(headers) == [b"Content-Length: 5"],
          "%s: one Content-Length: 5 reaches the client (got %r)" % (path.decode(), content_lengths(headers)))
    before = origin.connections
    cl.send(b"GET " + base + b"/ok HTTP/1.1\r\nHost: x\r\n\r\n")
    status, headers, body = cl.response()
    check(body == b"ok" and origin.connections == before, "%s: the next request on the same upstream is in step"
          % path.decode())
    cl.close()

# --- responses: differing values, an empty element, TE beside CL -> 502, on record
for path in (b"/cl-differ", b"/cl-list-differ", b"/cl-empty-item", b"/te-and-cl"):
    cl = Client()
    cl.send(b"GET " + base + path + b" HTTP/1.1\r\nHost: x\r\n\r\n")
    r = cl.response()
    check(r is not None and r[0].startswith(b"HTTP/1.1 502") and b"hello" not in r[2],
          "%s: 502, nothing of the body relayed" % path.decode())
    d = wait_record(audit, lambda r: r["event"] == "decision" and r["client"] == cl.me, what=path.decode(),
                    after=cl.mark)
    c = wait_record(audit, lambda r: r["event"] == "close" and r.get("ref") == d["id"], what=path.decode() + " close")
    check(c["status"] == 502, "%s: the close record says 502" % path.decode())
    cl.close()

# --- requests: identical values collapse before they reach the origin
REQUESTS = [
    (b"Content-Length: 5, 5\r\n", "a list"),
    (b"Content-Length: 5\r\nContent-Length: 5\r\n", "two headers"),
    (b"Content-Length: 005\r\n", "leading zeros"),
    (b"Content-Length: 5,5\r\nContent-Length: 5\r\n", "a list and a header"),
]
for header, what in REQUESTS:
    cl = Client()
    # A pipelined request right behind the body: it must be read as a request, not as body.
    cl.send(b"POST " + base + b"/post HTTP/1.1\r\nHost: x\r\n" + header + b"\r\nhello"
            + b"GET " + base + b"/ok HTTP/1.1\r\nHost: x\r\n\r\n")
    r1, r2 = cl.response(), cl.response()
    check(r1 is not None and r1[0].startswith(b"HTTP/1.1 200") and r2 is not None and r2[2] == b"ok",
          "request with %s: answered, and the pipelined request after it too" % what)
    posts = [s for s in origin.seen if s[1].startswith(b"POST /post ")]
    n, head, body = posts[-1]
    got = [ln for ln in head.split(b"\r\n") if ln.lower().startswith(b"content-length:")]
    check(got == [b"Content-Length: 5"] and body == b"hello",
          "request with %s: the origin gets one Content-Length: 5 (got %r)" % (what, got))
    cl.close()

# --- requests: differing values -> 400 bad-request, nothing forwarded
for header, what in ((b"Content-Length: 5, 6\r\n", "a list that differs"),
                     (b"Content-Length: 5\r\nContent-Length: 5, 6\r\n", "headers that differ"),
                     (b"Content-Length: 5,\r\n", "an empty element")):
    seen_before = len(origin.seen)
    cl = Client()
    cl.send(b"POST " + base + b"/refused HTTP/1.1\r\nHost: x\r\n" + header + b"\r\nhello!")
    r = cl.response()
    check(r is not None and r[0].startswith(b"HTTP/1.1 400"), "request with %s: 400" % what)
    d = wait_record(audit, lambda r: r["event"] == "decision" and r["client"] == cl.me, what=what,
                    after=cl.mark)
    check(d["action"] == "deny" and d["reason"] == "bad-request", "request with %s: audited bad-request" % what)
    check(not any(s[1].startswith(b"POST /refused") for s in origin.seen[seen_before:]),
          "request with %s: nothing reached the origin" % what)
    cl.close()

# --- a body delimited by the origin's close is relayed whole (the relay's end-of-stream path)
cl = Client()
cl.send(b"GET " + base + b"/to-close HTTP/1.1\r\nHost: x\r\n\r\n")
r = cl.response()
check(r is not None and r[0].startswith(b"HTTP/1.1 200") and r[2] == b"read to the close " * 5000,
      "a close-delimited response body arrives whole")
cl.close()

# --- a chunk is relayed as soon as it arrives, not held until the next one (server-sent events)
s = socket.create_connection(("127.0.0.1", port), timeout=5)
s.sendall(b"GET " + base + b"/stream HTTP/1.1\r\nHost: x\r\n\r\n")
got = b""
try:
    while b"first" not in got:
        c = s.recv(65536)
        if not c:
            break
        got += c
except socket.timeout:
    pass
check(b"first" in got, "the first chunk reaches the client before the origin sends the next")
STREAM_SEEN.set()
try:
    while not got.endswith(b"0\r\n\r\n"):
        c = s.recv(65536)
        if not c:
            break
        got += c
except socket.timeout:
    pass
check(b"second" in got and got.endswith(b"0\r\n\r\n"), "the rest of the stream follows")
s.close()

# --- 300,000 one-byte chunks, each way, arrive intact
cl = Client()
cl.send(b"GET " + base + b"/chunks HTTP/1.1\r\nHost: x\r\n\r\n")
r = cl.response()
check(r is not None and r[2] == PAYLOAD, "300,000 one-byte chunks from the origin arrive intact")
cl.send(b"POST " + base + b"/upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" + CHUNKED)
r = cl.response()
uploads = [s for s in origin.seen if s[1].startswith(b"POST /upload")]
check(r is not None and r[0].startswith(b"HTTP/1.1 200") and uploads and
      hashlib.sha256(uploads[-1][2]).digest() == hashlib.sha256(PAYLOAD).digest(),
      "300,000 one-byte chunks from the client arrive intact at the origin")
cl.close()

if gh.stop() != 0:
    fail("gatehouse did not stop cleanly:\n" + gh.output())
print("proxy_framing: all passed")
