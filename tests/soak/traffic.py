"""The soak's clients: each operation opens real sockets to gatehouse on
loopback, checks the answer it gets, and writes one Answer per answer seen
into the ledger, with what is needed to find its audit record afterwards
(the block page's reference id, a unique URL, or the client address)."""
import itertools
import os
import random
import re
import socket
import ssl
import threading
import time
from dataclasses import dataclass, field

CLIENT_TIMEOUT = 15  # generous: the machine is shared; a hang is still caught
REF = re.compile(rb"<(?:code|td)>(gh-[0-9a-f]+-\d+)</")  # "Reference" on every gatehouse page
BLOCKED_HOST = "web.whatsapp.com"  # category instant-messaging-web: block, never decrypted
INTERCEPT_HOST = "page.intercept.soak.test"  # category soak-intercept: block, decrypted for its page
INSPECT_HOST = "inspect.soak.test"  # allowed, named by tls_intercept.inspect: every request decrypted


@dataclass
class Answer:
    kind: str          # workload, e.g. "http-allowed-ka"
    outcome: str       # "200", "403", "alert", "closed", "no-answer: ...", "wrong: ..."
    t0: float
    t1: float
    addr: str = ""     # our side of the connection, as gatehouse records `client`
    ref: str = ""      # the reference id printed on a gatehouse page
    nonce: str = ""    # unique path segment of an allowed plain request
    key: str = ""      # audit record class for answers without ref or nonce
    expected: tuple = field(default_factory=tuple)  # outcomes that are correct for this kind


class NoAnswer(Exception):
    pass


class Ledger:
    def __init__(self):
        self.lock = threading.Lock()
        self.answers = []

    def add(self, a):
        with self.lock:
            self.answers.append(a)


class Conn:
    """A client socket to the proxy with a small read buffer."""

    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=CLIENT_TIMEOUT)
        self.addr = "%s:%d" % self.sock.getsockname()[:2]
        self.buf = b""

    def send(self, data):
        self.sock.sendall(data)

    def _fill(self):
        chunk = self.sock.recv(65536)
        if not chunk:
            raise NoAnswer("closed")
        self.buf += chunk

    def head(self):
        """Reads one response head; returns (status, headers dict)."""
        while b"\r\n\r\n" not in self.buf:
            if len(self.buf) > 65536:
                raise NoAnswer("head too long")
            self._fill()
        head, self.buf = self.buf.split(b"\r\n\r\n", 1)
        lines = head.split(b"\r\n")
        m = re.match(rb"HTTP/1\.[01] (\d{3})", lines[0])
        if not m:
            raise NoAnswer("not HTTP: %r" % lines[0][:40])
        headers = {}
        for line in lines[1:]:
            k, _, v = line.partition(b":")
            headers[k.strip().lower()] = v.strip()
        return int(m.group(1)), headers

    def response(self, head_only=False):
        status, headers = self.head()
        if head_only:
            return status, headers, b""
        n = int(headers.get(b"content-length", b"0") or 0)
        while len(self.buf) < n:
            self._fill()
        body, self.buf = self.buf[:n], self.buf[n:]
        return status, headers, body

    def read_to_close(self, limit=1 << 20):
        try:
            while len(self.buf) < limit:
                self._fill()
        except (NoAnswer, OSError):
            pass
        out, self.buf = self.buf, b""
        return out

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


def _tls_ctx():
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


class Traffic:
    """The workloads. `ports` names the proxy and the origins."""

    def __init__(self, ledger, ports, run_id, ca_pem):
        self.ledger = ledger
        self.p = ports
        self.run_id = run_id
        self.seq = itertools.count(1)
        self.tls = _tls_ctx()
        self.intercept_tls = ssl.create_default_context(cafile=ca_pem)  # only the soak's CA
        self.payload = os.urandom(256 * 1024)

    def nonce(self):
        return "soak-%s-%d" % (self.run_id, next(self.seq))

    def _answer(self, kind, expected, t0, conn=None, **kw):
        a = Answer(kind=kind, t0=t0, t1=time.time(), addr=conn.addr if conn else "",
                   expected=expected, **kw)
        self.ledger.add(a)
        return a

    def _page(self, kind, expected, t0, conn, status, body, key="", nonce=""):
        m = REF.search(body)
        return self._answer(kind, expected, t0, conn, outcome=str(status),
                            ref=m.group(1).decode() if m else "", key=key, nonce=nonce)

    def _guard(self, kind, expected, t0, conn, fn):
        """Runs fn; a socket error or a missing answer becomes a no-answer."""
        try:
            return fn()
        except (NoAnswer, OSError, ssl.SSLError) as e:
            self._answer(kind, expected, t0, conn, outcome="no-answer: %s" % type(e).__name__)
            return None

    # ------------------------------------------------------------- plain HTTP

    def http_allowed(self, keepalive):
        kind = "http-allowed-ka" if keepalive else "http-allowed-close"
        t0 = time.time()
        try:
            c = Conn(self.p["proxy"])
        except OSError as e:
            self._answer(kind, ("200",), t0, outcome="no-answer: connect %s" % type(e).__name__)
            return
        try:
            for i in range(5 if keepalive else 1):
                t0 = time.time()
                n = self.nonce()
                last = not keepalive or i == 4
                req = ("GET http://127.0.0.1:%d/%s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n%s\r\n" % (
                    self.p["http"], n, self.p["http"], "Connection: close\r\n" if last else "")).encode()
                r = self._guard(kind, ("200",), t0, c, lambda: (c.send(req), c.response())[1])
                if r is None:
                    return
                status, _, body = r
                if status == 200 and body != b"hello from origin /" + n.encode():
                    self._answer(kind, ("200",), t0, c, outcome="wrong: body", nonce=n)
                elif status == 200:
                    self._answer(kind, ("200",), t0, c, outcome="200", nonce=n)
                else:
                    self._page(kind, ("200",), t0, c, status, body)
                    return
        finally:
            c.close()

    def http_blocked(self):
        kind, exp = "http-blocked", ("403",)
        t0 = time.time()
        try:
            c = Conn(self.p["proxy"])
        except OSError as e:
            self._answer(kind, exp, t0, outcome="no-answer: connect %s" % type(e).__name__)
            return
        req = ("GET http://%s/%s HTTP/1.1\r\nHost: %s\r\n\r\n" % (BLOCKED_HOST, self.nonce(), BLOCKED_HOST)).encode()
        r = self._guard(kind, exp, t0, c, lambda: (c.send(req), c.response())[1])
        if r:
            self._page(kind, exp, t0, c, r[0], r[2])
        c.close()

    # ------------------------------------------------------------- CONNECT

    def _connect(self, kind, exp, authority):
        """CONNECT; returns the open Conn after a 200, else records the answer."""
        t0 = time.time()
        try:
            c = Conn(self.p["proxy"])
        except OSError as e:
            self._answer(kind, exp, t0, outcome="no-answer: connect %s" % type(e).__name__)
            return None, t0
        req = ("CONNECT %s HTTP/1.1\r\nHost: %s\r\n\r\n" % (authority, authority)).encode()
        r = self._guard(kind, exp, t0, c, lambda: (c.send(req), c.head())[1])
        if r is None:
            c.close()
            return None, t0
        status, headers = r
        if status != 200:
            n = int(headers.get(b"content-length", b"0") or 0)
            try:
                while len(c.buf) < n:
                    c._fill()
            except (NoAnswer, OSError):
                pass
            self._page(kind, exp, t0, c, status, c.buf)
            c.close()
            return None, t0
        if c.buf:
            self._answer(kind, exp, t0, c, outcome="wrong: bytes after 200")
            c.close()
            return None, t0
        return c, t0

    def _tls_post(self, s, n, size):
        body = self.payload[:size]
        s.sendall(("POST /%s HTTP/1.1\r\nHost: localhost\r\nContent-Length: %d\r\nConnection: close\r\n\r\n" % (
            n, len(body))).encode() + body)
        data = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
        return data

    def tunnel_allowed(self, size=256 * 1024):
        """CONNECT, TLS to the origin through the splice relay, 256 KiB up."""
        import hashlib
        kind, exp = "tunnel-allowed", ("200",)
        c, t0 = self._connect(kind, exp, "localhost:%d" % self.p["tls"])
        if c is None:
            return
        n = self.nonce()
        try:
            s = self.tls.wrap_socket(c.sock, server_hostname="localhost")
            data = self._tls_post(s, n, size)
            s.close()
        except (OSError, ssl.SSLError) as e:
            self._answer(kind, exp, t0, c, outcome="no-answer: tls %s" % type(e).__name__, key="connect-200")
            c.close()
            return
        want = hashlib.sha256(self.payload[:size]).hexdigest().encode()
        ok = data.startswith(b"HTTP/1.1 200") and want in data
        self._answer(kind, exp, t0, c, outcome="200" if ok else "wrong: tunnel body", key="connect-200")
        c.close()

    def tunnel_connect_blocked(self):
        kind, exp = "tunnel-connect-blocked", ("403",)
        c, t0 = self._connect(kind, exp, "%s:443" % BLOCKED_HOST)
        if c is not None:
            self._answer(kind, exp, t0, c, outcome="wrong: 200")
            c.close()

    def tunnel_sni_blocked(self):
        """CONNECT to an allowed address, then a hello naming a blocked host:
        the TLS alert access_denied, and no byte reaches the origin."""
        kind, exp = "tunnel-sni-blocked", ("alert",)
        c, t0 = self._connect(kind, exp, "localhost:%d" % self.p["tls"])
        if c is None:
            return
        try:
            s = self.tls.wrap_socket(c.sock, server_hostname=BLOCKED_HOST)
            s.close()
            outcome = "wrong: handshake completed"
        except ssl.SSLError as e:
            outcome = "alert" if "ACCESS_DENIED" in str(e).upper() else "wrong: %s" % e.reason
        except OSError as e:
            outcome = "no-answer: %s" % type(e).__name__
        self._answer(kind, exp, t0, c, outcome=outcome, key="sni-block")
        c.close()

    def idle_tunnels(self, count, idle_seconds, stop):
        """Holds `count` TLS tunnels idle, then uses each once."""
        kind, exp = "tunnel-idle", ("200",)
        held = []
        for _ in range(count):
            c, t0 = self._connect(kind, exp, "localhost:%d" % self.p["tls"])
            if c is None:
                continue
            try:
                held.append((c, t0, self.tls.wrap_socket(c.sock, server_hostname="localhost")))
            except (OSError, ssl.SSLError) as e:
                self._answer(kind, exp, t0, c, outcome="no-answer: tls %s" % type(e).__name__, key="connect-200")
                c.close()
        stop.wait(idle_seconds)
        for c, t0, s in held:
            n = self.nonce()
            try:
                data = self._tls_post(s, n, 16)
                outcome = "200" if data.startswith(b"HTTP/1.1 200") else "wrong: idle tunnel answer"
            except (OSError, ssl.SSLError) as e:
                outcome = "no-answer: %s" % type(e).__name__
            self._answer(kind, exp, t0, c, outcome=outcome, key="connect-200")
            c.close()

    def _decrypted_get(self, kind, exp, authority, host, nonce):
        """CONNECT to `authority`, TLS against a leaf of the soak's CA (trusted,
        host name checked), one GET /nonce with Connection: close. Returns
        (conn, t0, status, response bytes), or None once the answer is recorded."""
        c, t0 = self._connect(kind, exp, authority)
        if c is None:
            return None
        try:
            s = self.intercept_tls.wrap_socket(c.sock, server_hostname=host)
            s.sendall(("GET /%s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n" % (
                nonce, host)).encode())
            data = _read_tls_to_close(s)
            s.close()
        except (OSError, ssl.SSLError) as e:
            self._answer(kind, exp, t0, c, outcome="no-answer: tls %s" % type(e).__name__)
            c.close()
            return None
        m = re.match(rb"HTTP/1\.1 (\d{3})", data)
        if m is None:
            self._answer(kind, exp, t0, c, outcome="wrong: %r" % data[:20])
            c.close()
            return None
        return c, t0, m.group(1).decode(), data

    def intercepted_block_page(self):
        """A blocked host that tls_intercept decrypts for its page (README "HTTPS
        interception"): the CONNECT gets 200, TLS completes, one GET with a
        nonce path, and the 403 block page comes back over TLS naming the
        inner request's record (matched by that reference)."""
        kind, exp = "intercept-block-page", ("403",)
        got = self._decrypted_get(kind, exp, "%s:443" % INTERCEPT_HOST, INTERCEPT_HOST, self.nonce())
        if got:
            c, t0, status, data = got
            self._page(kind, exp, t0, c, status, data)
            c.close()

    def intercepted_flows(self):
        """An allowed host that `tls_intercept.inspect` names (README "HTTPS
        interception"): one GET with a nonce path over TLS; gatehouse opens TLS
        to the origin (verified against the soak origin's own certificate as
        upstream_ca) and relays it: 200 with the origin's body. The inner
        request's decision record carries the https:// URL, so the ledger
        matches it by nonce."""
        kind, exp = "inspected", ("200",)
        n = self.nonce()
        got = self._decrypted_get(kind, exp, "%s:%d" % (INSPECT_HOST, self.p["inspect"]), INSPECT_HOST, n)
        if not got:
            return
        c, t0, status, data = got
        if status == "200" and not data.endswith(b"hello from origin /" + n.encode()):
            self._answer(kind, exp, t0, c, outcome="wrong: body", nonce=n)
        elif status == "200":
            self._answer(kind, exp, t0, c, outcome="200", nonce=n)
        else:
            self._page(kind, exp, t0, c, status, data, nonce=n)
        c.close()

    # ------------------------------------------------------------- bad input

    def slowloris(self):
        """Headers one byte at a time: 408 header-timeout (total time, not idle)."""
        kind, exp = "slowloris", ("408",)
        t0 = time.time()
        try:
            c = Conn(self.p["proxy"])
        except OSError as e:
            self._answer(kind, exp, t0, outcome="no-answer: connect %s" % type(e).__name__)
            return
        head = ("GET http://127.0.0.1:%d/%s HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: " % (
            self.p["http"], self.nonce())).encode()

        def trickle():
            c.send(head)
            c.sock.settimeout(0.4)
            deadline = time.time() + CLIENT_TIMEOUT
            while time.time() < deadline:
                try:
                    c._fill()
                    break
                except socket.timeout:
                    c.send(b"a")
            c.sock.settimeout(CLIENT_TIMEOUT)
            return c.response()
        r = self._guard(kind, exp, t0, c, trickle)
        if r:
            self._page(kind, exp, t0, c, r[0], r[2])
        c.close()

    BAD_REQUESTS = [
        ("malformed-line", b"GARBAGE\r\n\r\n", ("400",)),
        ("obs-fold", b"GET http://127.0.0.1:%(http)d/x HTTP/1.1\r\nHost: a\r\nX-A: b\r\n c\r\n\r\n", ("400",)),
        ("cl-and-te", b"POST http://127.0.0.1:%(http)d/x HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n"
                      b"Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n", ("400",)),
        ("two-cl", b"POST http://127.0.0.1:%(http)d/x HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n"
                   b"Content-Length: 4\r\n\r\nabcd", ("400",)),
        ("h2-preface", b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", ("400", "closed")),
        ("tls-on-forward-port", None, ("400", "closed")),  # a real ClientHello, see bad_input
        # binary without a line end: an incomplete head, so the header timeout answers
        ("binary-no-line-end", b"\x16\x03\x01\x00\x2a\x01\x00\x00\x26\x03\x03" + b"\x00" * 38, ("408",)),
        ("binary", bytes(range(256)), ("400", "closed")),
        ("header-too-large", b"GET http://127.0.0.1:%(http)d/x HTTP/1.1\r\nHost: a\r\nX-Big: " + b"a" * 10000
                             + b"\r\n\r\n", ("431",)),
        ("origin-form", b"GET /x HTTP/1.1\r\nHost: a\r\n\r\n", ("400",)),
        ("connect-no-port", b"CONNECT 127.0.0.1 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", ("400",)),
        ("connect-bad-port", b"CONNECT 127.0.0.1:25 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", ("403",)),
        ("bad-method", b"G(T http://127.0.0.1:%(http)d/x HTTP/1.1\r\nHost: a\r\n\r\n", ("400",)),
    ]

    # First bytes of a tunnel that are not a readable hello (README "Running the proxy", §18).
    BAD_TUNNELS = [
        # a complete handshake message that is not a valid ClientHello
        ("bad-client-hello", b"\x16\x03\x01\x00\x08\x01\x00\x00\x04\x03\x03\x00\x00", "bad-client-hello"),
        # a hello whose SNI is not a host name
        ("bad-sni", None, "bad-client-hello"),
        ("non-tls", b"SSH-2.0-OpenSSH_9.2\r\n", "non-tls-tunnel"),
        ("silent", b"", "client-hello-timeout"),
    ]

    def bad_input(self, i):
        variants = len(self.BAD_REQUESTS) + len(self.BAD_TUNNELS)
        i %= variants
        if i >= len(self.BAD_REQUESTS):
            return self.bad_tunnel(self.BAD_TUNNELS[i - len(self.BAD_REQUESTS)])
        name, raw, exp = self.BAD_REQUESTS[i]
        kind = "bad-input:" + name
        t0 = time.time()
        try:
            c = Conn(self.p["proxy"])
        except OSError as e:
            self._answer(kind, exp, t0, outcome="no-answer: connect %s" % type(e).__name__)
            return
        raw = _raw_hello("example.com") if raw is None else raw.replace(b"%(http)d", str(self.p["http"]).encode())
        try:
            c.send(raw)
        except OSError:
            pass  # the proxy may refuse before it has read everything
        got = c.read_to_close()
        m = re.match(rb"HTTP/1\.[01] (\d{3})", got)
        if m:
            ref = REF.search(got)
            self._answer(kind, exp, t0, c, outcome=m.group(1).decode(), ref=ref.group(1).decode() if ref else "")
        else:
            self._answer(kind, exp, t0, c, outcome="closed" if not got else "wrong: %r" % got[:20],
                         key="bad-request")
        c.close()

    def bad_tunnel(self, variant):
        name, first, reason = variant
        kind, exp = "bad-tunnel:" + name, ("closed", "alert")
        c, t0 = self._connect(kind, exp, "127.0.0.1:%d" % self.p["sink"])
        if c is None:
            return
        if first is None:
            first = _raw_hello("bad_name!.example")
        try:
            if first:
                c.send(first)
            got = c.read_to_close()
        except OSError:
            got = b""
        # 15 03 03 00 02 02 xx: a TLS alert record; nothing else may come back
        outcome = "alert" if got.startswith(b"\x15\x03") else ("closed" if not got else "wrong: %r" % got[:20])
        self._answer(kind, exp, t0, c, outcome=outcome, key=reason)
        c.close()

    # ------------------------------------------------------------- origin faults

    def origin_fault(self, which):
        """reset -> 502, stall -> 504 (idle timeout), blackhole -> 504 (connect timeout)."""
        port = {"reset": self.p["reset"], "stall": self.p["stall"], "blackhole": self.p["blackhole"]}[which]
        kind = "origin-" + which
        exp = ("502",) if which == "reset" else ("504",)
        if which == "blackhole" and random.random() < 0.5:
            kind = "origin-blackhole-connect"
            c, t0 = self._connect(kind, exp, "127.0.0.1:%d" % port)
            if c is not None:
                self._answer(kind, exp, t0, c, outcome="wrong: 200")
                c.close()
            return
        t0 = time.time()
        try:
            c = Conn(self.p["proxy"])
        except OSError as e:
            self._answer(kind, exp, t0, outcome="no-answer: connect %s" % type(e).__name__)
            return
        n = self.nonce()
        req = ("GET http://127.0.0.1:%d/%s HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n" % (port, n)).encode()
        r = self._guard(kind, exp, t0, c, lambda: (c.send(req), c.response())[1])
        if r:
            # a 502/504 after the request was allowed is the close record of
            # an allowed request: its page has no reference; the nonce finds it
            self._page(kind, exp, t0, c, r[0], r[2], nonce=n)
        c.close()


def _read_tls_to_close(s, limit=1 << 20):
    """Reads a TLS stream to its end; a close without close_notify ends it too."""
    data = b""
    while len(data) < limit:
        try:
            chunk = s.recv(65536)
        except (ssl.SSLZeroReturnError, ssl.SSLEOFError):
            break
        if not chunk:
            break
        data += chunk
    return data


def _raw_hello(name):
    """A ClientHello from Python's TLS stack with `name` patched into its SNI
    (Python refuses to send such a name itself)."""
    placeholder = "x" * len(name)
    ctx = _tls_ctx()
    inc, out = ssl.MemoryBIO(), ssl.MemoryBIO()
    obj = ctx.wrap_bio(inc, out, server_hostname=placeholder)
    try:
        obj.do_handshake()
    except ssl.SSLWantReadError:
        pass
    return out.read().replace(placeholder.encode(), name.encode(), 1)
