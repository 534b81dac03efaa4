"""Shared pieces of the proxy integration tests: a temporary rule tree, local
origins (plain and TLS), the gatehouse process, audit-log reading and raw
socket helpers. Everything binds to loopback on ports chosen by the kernel;
every process started is stopped by PID."""
import atexit
import hashlib
import http.server
import json
import os
import shutil
import signal
import socket
import socketserver
import ssl
import subprocess
import sys
import tempfile
import threading
import time

import yaml

SRC = os.environ.get("GH_SOURCE_DIR", os.path.abspath(os.path.join(os.path.dirname(__file__), "../../..")))
BIN = os.environ.get("GATEHOUSE", os.path.join(SRC, "build", "proxy", "gatehouse"))

_procs = []


def _cleanup():
    for p in _procs:
        if p.poll() is None:
            p.kill()
            p.wait(timeout=5)


atexit.register(_cleanup)


def free_port(host="127.0.0.1"):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def fail(msg):
    print("FAIL: " + msg, flush=True)
    sys.exit(1)


def check(cond, msg):
    if not cond:
        fail(msg)
    print("ok: " + msg, flush=True)


# ---------------------------------------------------------------- origins

class OriginHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    connections = 0

    def log_message(self, *a):
        pass

    def setup(self):
        super().setup()
        type(self).connections += 1

    def _body(self):
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            data = b""
            while True:
                line = self.rfile.readline()
                n = int(line.split(b";")[0].strip(), 16)
                if n == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return data
                data += self.rfile.read(n)
                self.rfile.readline()
        n = int(self.headers.get("Content-Length", "0") or 0)
        return self.rfile.read(n) if n else b""

    def _send(self, code, body, ctype="text/plain", extra=None):
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def do_GET(self):
        if self.path.startswith("/chunked"):
            self.send_response(200)
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for i in range(5):
                part = ("part%d-" % i).encode() * 100
                self.wfile.write(b"%x\r\n%s\r\n" % (len(part), part))
            self.wfile.write(b"0\r\n\r\n")
            return
        if self.path.startswith("/slow"):
            # 2 MiB over about 3 s, for the drain test.
            total, step = 2 * 1024 * 1024, 64 * 1024
            self.send_response(200)
            self.send_header("Content-Length", str(total))
            self.end_headers()
            for _ in range(total // step):
                self.wfile.write(b"s" * step)
                self.wfile.flush()
                time.sleep(0.09)
            return
        if self.path.startswith("/header-list"):
            # Every field as received, repeats included, in order.
            body = json.dumps([[k.lower(), v] for k, v in self.headers.items()]).encode()
            self._send(200, body, "application/json")
            return
        if self.path.startswith("/headers"):
            body = json.dumps({k.lower(): v for k, v in self.headers.items()}).encode()
            self._send(200, body, "application/json")
            return
        self._send(200, b"hello from origin " + self.path.encode())

    def do_HEAD(self):
        self._send(200, b"x" * 10)

    def do_POST(self):
        data = self._body()
        body = json.dumps({"len": len(data), "sha256": hashlib.sha256(data).hexdigest(),
                           "te": self.headers.get("Transfer-Encoding"),
                           "expect": self.headers.get("Expect")}).encode()
        self._send(200, body, "application/json")

    do_PUT = do_POST


class ThreadingServer(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True


class ThreadingServer6(ThreadingServer):
    address_family = socket.AF_INET6  # "::" also takes IPv4 (v4-mapped)


def server_class(host):
    return ThreadingServer6 if ":" in host else ThreadingServer


def start_origin(host="127.0.0.1"):
    srv = ThreadingServer((host, 0), OriginHandler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv, srv.server_address[1]


def make_cert(d):
    key, crt = os.path.join(d, "origin.key"), os.path.join(d, "origin.crt")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key,
                    "-out", crt, "-days", "2", "-subj", "/CN=localhost",
                    "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"],
                   check=True, capture_output=True)
    return crt, key


def start_tls_origin(d, host="127.0.0.1", port=0, cert=None):
    """A TLS origin; `cert` = (certificate file, key file), else a self-signed one."""
    crt, key = cert or make_cert(d)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(crt, key)
    srv = server_class(host)((host, port), OriginHandler)
    srv.socket = ctx.wrap_socket(srv.socket, server_side=True, do_handshake_on_connect=False)

    def get_request():
        conn, addr = srv.socket.accept()
        conn.settimeout(10)
        try:
            conn.do_handshake()
        except (ssl.SSLError, OSError):
            pass
        return conn, addr
    srv.get_request = get_request
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv, srv.server_address[1], crt


# ---------------------------------------------------------------- rules

TEST_CATEGORY = """category: test-chat
title: Test chat (loopback stand-in)
apps:
  - id: loopback-chat
    title: Loopback Chat
    networks: ["127.0.0.2/32"]
"""

TEST_APPROVALS = """approvals:
  - id: IMM-TEST-001
    department: immigration-demo
    app: loopback-chat
    approved_by: Director of Immigration
    reason: "test approval in force"
    granted: 2020-01-01
    expires: 2099-12-31
    networks: ["127.0.20.5/32"]
  - id: FIN-TEST-OLD
    department: finance-demo
    app: loopback-chat
    approved_by: Director of Finance
    reason: "test approval that has expired"
    granted: 2020-01-01
    expires: 2020-12-31
"""


def write_rules(d, forward_port, connect_ports, **overrides):
    """Copies rules/ into d/rules and adapts gatehouse.yaml for a test."""
    rules = os.path.join(d, "rules")
    shutil.copytree(os.path.join(SRC, "rules"), rules)
    with open(os.path.join(rules, "categories", "test-chat.yaml"), "w") as f:
        f.write(TEST_CATEGORY)
    with open(os.path.join(rules, "approvals.yaml"), "w") as f:
        f.write(TEST_APPROVALS)
    path = os.path.join(rules, "gatehouse.yaml")
    with open(path) as f:
        cfg = yaml.safe_load(f)
    cfg["listen"] = overrides.pop("listen", [{"address": "127.0.0.1:%d" % forward_port, "mode": "forward"}])
    cfg.pop("admin", None)
    cfg["pac"]["proxy"] = "127.0.0.1:%d" % forward_port
    cfg["connect"] = {"ports": sorted(set([443] + list(connect_ports)))}
    cfg["policy"]["categories"]["test-chat"] = "block"
    cfg["policy"]["block_private_destinations"] = overrides.pop("block_private", False)
    cfg["audit"]["path"] = os.path.join(d, "audit.jsonl")
    cfg["audit"]["fsync"] = "every"
    cfg["audit"]["redact"] = []
    cfg["limits"].update({"header_timeout": "2s", "idle_timeout": "20s", "max_header_bytes": "8KiB",
                          "drain_timeout": "10s"})
    cfg["limits"].update(overrides.pop("limits", {}))
    if "clients" in overrides:
        cfg["clients"] = {"allow": overrides.pop("clients")}
    with open(path, "w") as f:
        yaml.safe_dump(cfg, f, sort_keys=False)
    return path


# ---------------------------------------------------------------- gatehouse

class Gatehouse:
    def __init__(self, config, port, env=None, preexec=None):
        self.port = port
        self.log = tempfile.NamedTemporaryFile(prefix="gatehouse-", suffix=".log", delete=False)
        e = dict(os.environ)
        e.update(env or {})
        self.proc = subprocess.Popen([BIN, "serve", "--config", config], stdout=self.log,
                                     stderr=subprocess.STDOUT, env=e,
                                     preexec_fn=preexec)
        _procs.append(self.proc)
        deadline = time.time() + 30
        while time.time() < deadline:
            if self.proc.poll() is not None:
                fail("gatehouse exited early:\n" + self.output())
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.1)
        fail("gatehouse did not start listening:\n" + self.output())

    def output(self):
        with open(self.log.name, errors="replace") as f:
            return f.read()

    def stop(self, sig=signal.SIGTERM, timeout=30):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        return self.proc.wait(timeout=timeout)


def audit_mark(path):
    """How many records the audit log holds now (wait_record's `after`)."""
    return len(audit_records(path))


def audit_records(path):
    """The complete records in the live audit log. The proxy may be in the
    middle of appending a batch: a last line without its newline is a record
    still being written, not a torn one, and is left for the next read."""
    out = []
    if not os.path.exists(path):
        return out
    with open(path, "rb") as f:
        for line in f:
            if line.endswith(b"\n") and line.strip():
                out.append(json.loads(line))
    return out


def wait_record(path, pred, timeout=10, what="record", after=0):
    """The first audit record that satisfies pred, among those after the
    first `after` (audit_mark before a connection: a later connection may
    get the same source port, so its client field matches older records)."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        for r in audit_records(path)[after:]:
            if pred(r):
                return r
        time.sleep(0.05)
    fail("no audit %s found; log has:\n%s" % (what, "\n".join(json.dumps(r) for r in audit_records(path)[-10:])))


# ---------------------------------------------------------------- clients

def curl(*args, timeout=30):
    cmd = ["curl", "-sS", "--max-time", str(timeout)] + list(args)
    return subprocess.run(cmd, capture_output=True, timeout=timeout + 5)


def raw(port, data, timeout=5, src=None, read_all=True):
    """Sends bytes, returns what came back until close or timeout."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if src:
        s.bind((src, 0))
    s.settimeout(timeout)
    s.connect(("127.0.0.1", port))
    if data:
        s.sendall(data)
    got = b""
    try:
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            got += chunk
            if not read_all:
                break
    except (socket.timeout, ConnectionResetError):
        pass
    s.close()
    return got


def client_hello(server_name):
    """A real ClientHello from Python's TLS stack, for feeding in pieces."""
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    inc, out = ssl.MemoryBIO(), ssl.MemoryBIO()
    obj = ctx.wrap_bio(inc, out, server_hostname=server_name)
    try:
        obj.do_handshake()
    except ssl.SSLWantReadError:
        pass
    return out.read()
