"""The operations side of the one integration harness (proxy_lib): a
temporary rule tree with an admin port, the real gatehouse binary started and
stopped by PID, loopback clients, and a strict Prometheus text-format reader.
Everything is bounded in time. Ports come from harness.free_port."""
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.request

try:  # imported as proxy_lib.gh, or as gh with proxy_lib on sys.path
    from .harness import audit_records as complete_records
    from .harness import free_port  # noqa: F401
except ImportError:
    from harness import audit_records as complete_records
    from harness import free_port  # noqa: F401

GATEHOUSE = os.environ.get("GATEHOUSE", "")
SRC = os.environ.get("GH_SOURCE_DIR", os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "..")))


def need_binary():
    if not GATEHOUSE or not os.access(GATEHOUSE, os.X_OK):
        print("skip: GATEHOUSE binary not set")
        raise SystemExit(77)


CATEGORY_IM = """category: instant-messaging-web
title: Web-based instant messaging
apps:
  - id: whatsapp-web
    title: WhatsApp Web
    domains: [.web.whatsapp.com]
"""

DEPARTMENTS = """departments:
  - id: immigration
    name: Immigration Department
    head: Director of Immigration
    networks: ["127.0.20.0/24"]
  - id: finance
    name: Finance Bureau
    head: Director of Finance
    networks: ["127.0.30.0/24"]
"""


def main_config(forward_port, admin_port, audit_path="var/audit.jsonl", extra_listeners="",
                proxy_protocol=False, categories="categories/*.yaml", domain_lists="",
                policy_categories="instant-messaging-web: block", user="", fsync="every",
                audit_extra=""):
    pp = ", proxy_protocol: true" if proxy_protocol else ""
    lists = ""
    if domain_lists:
        lists = "  domain_lists:\n" + domain_lists
    return f"""listen:
  - {{ address: "127.0.0.1:{forward_port}", mode: forward{pp} }}
{extra_listeners}admin: {{ address: "127.0.0.1:{admin_port}" }}
{('user: "' + user + '"') if user else ''}
pac: {{ proxy: "proxy.example.gov:3128", direct: [".intranet.example.gov", "intranet", "10.0.0.0/8", "192.168.1.0/24"] }}
clients: {{ allow: ["127.0.0.0/8"] }}
connect: {{ ports: [443] }}
include:
  categories: "{categories}"
  departments: "departments.yaml"
  approvals: "approvals.yaml"
{lists}policy:
  uncategorized: allow
  categories:
    {policy_categories}
  non_tls_tunnel: allow   # these tests relay plain echo bytes through CONNECT tunnels
  block_private_destinations: false
audit:
  path: "{audit_path}"
  fsync: "{fsync}"
  on_failure: block
{audit_extra}limits:
  drain_timeout: "2s"
  header_timeout: "5s"
"""


class RuleTree:
    """A temporary config directory with the files gatehouse needs."""

    def __init__(self, **kw):
        self.dir = tempfile.mkdtemp(prefix="gh-ops-")
        self.forward_port = kw.pop("forward_port", None) or free_port()
        self.admin_port = kw.pop("admin_port", None) or free_port()
        os.makedirs(os.path.join(self.dir, "categories"))
        os.makedirs(os.path.join(self.dir, "var"))
        self.write("categories/instant-messaging-web.yaml", CATEGORY_IM)
        self.write("departments.yaml", DEPARTMENTS)
        self.write("approvals.yaml", "approvals: []\n")
        self.kw = kw
        self.write("gatehouse.yaml", main_config(self.forward_port, self.admin_port, **kw))

    def path(self, rel):
        return os.path.join(self.dir, rel)

    def write(self, rel, text):
        # Write then rename, as editors and config tools do.
        p = self.path(rel)
        tmp = p + ".tmp~"
        with open(tmp, "w") as f:
            f.write(text)
        os.replace(tmp, p)

    @property
    def config(self):
        return self.path("gatehouse.yaml")

    @property
    def audit(self):
        return self.path(self.kw.get("audit_path", "var/audit.jsonl"))

    def cleanup(self):
        shutil.rmtree(self.dir, ignore_errors=True)


class Gatehouse:
    """`gatehouse serve` as a child process; stopped by PID."""

    def __init__(self, config, admin_port, wrapper=None, env=None, cwd=None):
        self.log_path = tempfile.mktemp(prefix="gh-ops-log-")
        self.log = open(self.log_path, "wb")
        cmd = (wrapper or []) + [GATEHOUSE, "serve", "--config", config]
        e = dict(os.environ)
        e.setdefault("GATEHOUSE_THREADS", "2")
        if env:
            e.update(env)
        self.proc = subprocess.Popen(cmd, stdout=self.log, stderr=subprocess.STDOUT, env=e, cwd=cwd)
        self.admin = f"http://127.0.0.1:{admin_port}"

    def wait_ready(self, timeout=20):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("gatehouse exited %s:\n%s" % (self.proc.returncode, self.output()))
            try:
                status, _, _ = get(self.admin + "/readyz", timeout=1)
                if status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.05)
        raise RuntimeError("gatehouse not ready in %ss:\n%s" % (timeout, self.output()))

    def output(self):
        self.log.flush()
        with open(self.log_path, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def signal(self, sig):
        self.proc.send_signal(sig)

    def metrics(self):
        status, headers, body = get(self.admin + "/metrics")
        assert status == 200, status
        return parse_prometheus(body.decode()), headers

    def wait_log(self, pattern, timeout=10, start=0):
        """Waits until `pattern` (regex) appears in the log after offset `start`."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            text = self.output()[start:]
            m = re.search(pattern, text)
            if m:
                return m
            time.sleep(0.05)
        raise AssertionError("log never matched %r:\n%s" % (pattern, self.output()))

    def stop(self, timeout=15):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)
        self.log.close()
        rc = self.proc.returncode
        try:
            os.unlink(self.log_path)
        except OSError:
            pass
        return rc


def get(url, timeout=5, headers=None):
    """Direct GET (no proxy); returns (status, headers, body)."""
    req = urllib.request.Request(url, headers=headers or {})
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(req, timeout=timeout) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


def proxy_request(proxy_port, raw, source="127.0.0.1", timeout=5, proxy_host="127.0.0.1"):
    """Sends raw bytes to the proxy from `source`; returns (status, response bytes)."""
    with socket.create_connection((proxy_host, proxy_port), timeout=timeout,
                                  source_address=(source, 0)) as s:
        s.sendall(raw)
        data = b""
        s.settimeout(timeout)
        while b"\r\n\r\n" not in data and len(data) < 65536:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    m = re.match(rb"HTTP/1\.[01] (\d{3})", data)
    return (int(m.group(1)) if m else 0), data


def proxy_get(proxy_port, url, source="127.0.0.1", timeout=5):
    host = re.match(r"https?://([^/]+)", url).group(1)
    raw = f"GET {url} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode()
    return proxy_request(proxy_port, raw, source=source, timeout=timeout)


def proxy_connect(proxy_port, authority, source="127.0.0.1", timeout=5):
    raw = f"CONNECT {authority} HTTP/1.1\r\nHost: {authority}\r\n\r\n".encode()
    return proxy_request(proxy_port, raw, source=source, timeout=timeout)


def audit_records(path, timeout=5, want=None):
    """Reads the audit log's complete records; if `want` (a predicate) is
    given, waits for a match."""
    deadline = time.time() + timeout
    while True:
        records = complete_records(path)
        if want is None or any(want(r) for r in records) or time.time() >= deadline:
            return records
        time.sleep(0.05)


# --- Prometheus text format 0.0.4 -------------------------------------------

_NAME = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
_LABEL = r'[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*"'
_SAMPLE = re.compile(r"^(%s)(\{(?:%s)(?:,%s)*,?\})? (\S+)( -?\d+)?$" % (_NAME, _LABEL, _LABEL))
_VALUE = re.compile(r"^(?:[+-]?(?:\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)|[+-]Inf|NaN)$")


class Metrics(dict):
    """{'name{labels}': value} plus the TYPE of every family."""

    def __init__(self):
        super().__init__()
        self.types = {}

    def value(self, name, **labels):
        if labels:
            key = name + "{" + ",".join('%s="%s"' % (k, v) for k, v in labels.items()) + "}"
        else:
            key = name
        return self.get(key, 0.0)

    def total(self, name, **labels):
        s = 0.0
        for k, v in self.items():
            if k == name or k.startswith(name + "{"):
                if all(('%s="%s"' % (lk, lv)) in k for lk, lv in labels.items()):
                    s += v
        return s


def parse_prometheus(text):
    """Strict: raises AssertionError on any line that is not valid 0.0.4."""
    m = Metrics()
    assert text.endswith("\n"), "no final newline"
    for n, line in enumerate(text.split("\n")[:-1], 1):
        if line.startswith("# TYPE "):
            parts = line.split(" ")
            assert len(parts) == 4 and re.fullmatch(_NAME, parts[2]), "line %d: %r" % (n, line)
            assert parts[3] in ("counter", "gauge", "histogram", "summary", "untyped"), line
            assert parts[2] not in m.types, "second TYPE for " + parts[2]
            m.types[parts[2]] = parts[3]
            continue
        if line.startswith("#") or line == "":
            continue
        s = _SAMPLE.match(line)
        assert s, "line %d is not a sample: %r" % (n, line)
        name, labels, value = s.group(1), s.group(2) or "", s.group(3)
        assert _VALUE.match(value), "line %d: bad value %r" % (n, value)
        family = re.sub(r"_(bucket|sum|count)$", "", name)
        if family not in m.types or m.types[family] != "histogram":
            family = name
        assert family in m.types, "line %d: sample before TYPE: %r" % (n, line)
        key = name + labels
        assert key not in m, "duplicate series " + key
        m[key] = float(value.replace("+Inf", "inf"))
    return m
