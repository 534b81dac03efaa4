"""HTTPS block pages through a forward CONNECT (README "HTTPS interception").

Story: a blocked HTTPS site used to show the user a browser error, not the block
page, because browsers go straight to CONNECT for HSTS-preloaded sites. With
tls_intercept on, gatehouse answers the CONNECT with 200, completes the TLS
handshake with a leaf it mints for the SNI, reads one request and answers the
403 block page over TLS, naming the inner request's audit record.

Real clients: curl with --cacert (the page), curl without it (the client rejects
the leaf: tls-handshake-failed), and Python ssl clients that misbehave on
purpose (ALPN h2 only, closing mid-handshake, garbage after the handshake, a
1 MB header inside TLS, half a ClientHello). Gatehouse must answer or close
each, record it, and stay up. No DNS is needed: a blocked host is never
resolved."""
import os
import re
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

import yaml

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from proxy_lib.harness import (BIN, Gatehouse, audit_records, check, client_hello, curl,  # noqa: E402
                               fail, free_port, wait_record, write_rules)

BLOCKED = "web.whatsapp.com"

tmp = tempfile.mkdtemp(prefix="gh-intercept-")
subprocess.run([BIN, "ca", "init", "--out", os.path.join(tmp, "ca"), "--name", "gatehouse test CA",
                "--days", "2"], check=True, capture_output=True)
ca_pem = os.path.join(tmp, "ca", "ca.pem")
port, admin = free_port(), free_port()
# A loopback listener standing for an allowed origin (case 8): only its TCP accept is used.
origin = socket.socket()
origin.bind(("127.0.0.1", 0))
origin.listen(8)
oport = origin.getsockname()[1]
config = write_rules(tmp, port, [oport])
with open(config) as f:
    cfg = yaml.safe_load(f)
cfg["tls_intercept"] = {"ca_cert": os.path.join(tmp, "ca", "ca.pem"),
                        "ca_key": os.path.join(tmp, "ca", "ca.key")}
cfg["admin"] = {"address": "127.0.0.1:%d" % admin}
with open(config, "w") as f:
    yaml.safe_dump(cfg, f, sort_keys=False)
audit = os.path.join(tmp, "audit.jsonl")
gh = Gatehouse(config, port)


def metrics():
    with urllib.request.urlopen("http://127.0.0.1:%d/metrics" % admin, timeout=5) as r:
        text = r.read().decode()
    out = {}
    for line in text.splitlines():
        m = re.match(r'^(gatehouse_tls_intercept_\w+(?:\{[^}]*\})?) (\d+)$', line)
        if m:
            out[m.group(1)] = int(m.group(2))
    return out


def alive():
    r = curl("-x", "127.0.0.1:%d" % port, "-o", "/dev/null", "-w", "%{http_code}",
             "http://%s/" % BLOCKED)
    return r.stdout == b"403"


def connect_tunnel(host=BLOCKED):
    """A CONNECT answered 200; returns the socket positioned after the answer."""
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    s.sendall(b"CONNECT %s:443 HTTP/1.1\r\nHost: %s:443\r\n\r\n" % (host.encode(), host.encode()))
    head = b""
    while b"\r\n\r\n" not in head:
        chunk = s.recv(1)
        if not chunk:
            fail("CONNECT closed: %r" % head)
        head += chunk
    if not head.startswith(b"HTTP/1.1 200"):
        fail("CONNECT answered %r" % head)
    return s


def tls_client(alpn=None, trust=True):
    ctx = ssl.create_default_context(cafile=ca_pem if trust else None)
    if alpn:
        ctx.set_alpn_protocols(alpn)
    return ctx


# --- 1. curl --cacert: the block page over HTTPS, naming the inner record.
before = metrics()
body = os.path.join(tmp, "page.html")
r = curl("--cacert", ca_pem, "-x", "127.0.0.1:%d" % port, "-D", "-", "-o", body,
         "https://%s/some/path?x=1" % BLOCKED)
headers = r.stdout.decode(errors="replace")
check(r.returncode == 0, "curl --cacert completes the TLS handshake with the minted leaf (%s)"
      % r.stderr.decode(errors="replace").strip())
check("HTTP/1.1 200 Connection established" in headers, "the CONNECT got 200, not 403")
check(re.search(r"(?m)^HTTP/1\.1 403", headers) is not None, "the inner request got 403")
check(re.search(r"(?mi)^connection: close", headers) is not None, "the page says Connection: close")
check(re.search(r"(?mi)^content-type: text/html; charset=utf-8", headers) is not None, "HTML page")
page = open(body, encoding="utf-8").read()
check("WhatsApp Web" in page, "the page names the app")
inner = wait_record(audit, lambda x: x.get("url", "") and x["url"].startswith("https://%s/some/path" % BLOCKED),
                    what="inner request record")
check(inner["id"] in page, "the page shows the inner record's id")
check(inner["intercepted"] is True and inner["status"] == 403 and inner["method"] == "GET"
      and inner["action"] == "block" and inner["reason"] == "category-blocked",
      "inner record: intercepted, 403, GET, block, category-blocked")
recs = audit_records(audit)
auth = [x for x in recs if x.get("method") == "CONNECT" and x.get("host") == BLOCKED and x["event"] == "decision"]
check(len(auth) >= 1 and auth[0]["sni"] is None and auth[0]["status"] == 200
      and auth[0]["action"] == "block" and auth[0]["reason"] == "category-blocked"
      and auth[0]["intercepted"] is True,
      "authority record keeps block/category-blocked with status 200 and intercepted:true")
check(auth[0]["dest"] is None, "a blocked host is never connected to")
check(all("intercepted" in x for x in recs if x["event"] == "decision"), "every decision record has intercepted")
after = metrics()
check(after['gatehouse_tls_intercept_handshakes_total{outcome="ok"}'] ==
      before['gatehouse_tls_intercept_handshakes_total{outcome="ok"}'] + 1, "handshake ok counted")
check(after["gatehouse_tls_intercept_leaves_minted_total"] == 1, "one leaf minted")

# A second page: the leaf comes from the cache.
r = curl("--cacert", ca_pem, "-x", "127.0.0.1:%d" % port, "-o", "/dev/null", "-w", "%{http_code}",
         "https://%s/" % BLOCKED)
check(r.stdout == b"403", "second HTTPS block page")
m = metrics()
check(m["gatehouse_tls_intercept_leaves_minted_total"] == 1
      and m["gatehouse_tls_intercept_leaf_cache_hits_total"] >= 1, "second page served a cached leaf")

# --- 2. A client that does not trust the CA: tls-handshake-failed, counted.
failed0 = metrics()['gatehouse_tls_intercept_handshakes_total{outcome="failed"}']
r = curl("-x", "127.0.0.1:%d" % port, "https://%s/" % BLOCKED)
check(r.returncode != 0, "curl without the CA refuses the leaf (exit %d)" % r.returncode)
close = wait_record(audit, lambda x: x["event"] == "close" and x["reason"] == "tls-handshake-failed",
                    what="tls-handshake-failed close record")
check(close["action"] == "deny" and close["host"] == BLOCKED, "close record: deny tls-handshake-failed")
check(any(x["id"] == close["ref"] and x.get("method") == "CONNECT" for x in audit_records(audit)),
      "the close record names the CONNECT's record")
deadline = time.time() + 5
while time.time() < deadline and metrics()['gatehouse_tls_intercept_handshakes_total{outcome="failed"}'] == failed0:
    time.sleep(0.05)
check(metrics()['gatehouse_tls_intercept_handshakes_total{outcome="failed"}'] > failed0,
      "failed handshake counted")

# --- 3. ALPN h2 only: refused (no_application_protocol), never served h2.
s = connect_tunnel()
try:
    t = tls_client(alpn=["h2"]).wrap_socket(s, server_hostname=BLOCKED)
    fail("a client offering only h2 completed a handshake (ALPN %r)" % t.selected_alpn_protocol())
except ssl.SSLError as e:
    check("NO_APPLICATION_PROTOCOL" in str(e).upper() or "ALERT" in str(e).upper(),
          "ALPN h2 only: handshake refused with an alert (%s)" % e.reason)
finally:
    s.close()
# h2 and http/1.1 offered: http/1.1 chosen.
s = connect_tunnel()
t = tls_client(alpn=["h2", "http/1.1"]).wrap_socket(s, server_hostname=BLOCKED)
check(t.selected_alpn_protocol() == "http/1.1", "ALPN h2+http/1.1: http/1.1 chosen")
t.sendall(b"GET /alpn HTTP/1.1\r\nHost: %s\r\n\r\n" % BLOCKED.encode())
got = b""
while True:
    chunk = t.recv(65536)
    if not chunk:
        break
    got += chunk
# One request, then the connection closes: no TLS 1.3 session ticket is sent
# (it would cost a sealed ticket per page and resume nothing).
check(t.session is not None and not t.session.has_ticket, "a block page sends no session ticket")
t.close()
check(got.startswith(b"HTTP/1.1 403"), "python ssl client gets the 403 page")

# --- 4. Close mid-handshake: a whole ClientHello, then gone.
s = connect_tunnel()
s.sendall(client_hello(BLOCKED))
time.sleep(0.2)
s.close()
wait_record(audit, lambda x: x["event"] == "close" and x["reason"] == "tls-handshake-failed"
            and x["id"] != close["id"], what="second tls-handshake-failed")
check(alive(), "closing mid-handshake: recorded, gatehouse still answers")

# --- 5. Half a ClientHello, then close: bad-client-hello (no handshake attempted).
s = connect_tunnel()
s.sendall(client_hello(BLOCKED)[:40])
s.shutdown(socket.SHUT_WR)
s.settimeout(5)
try:
    s.recv(100)
except OSError:
    pass
s.close()
wait_record(audit, lambda x: x.get("reason") == "bad-client-hello", what="bad-client-hello")
check(alive(), "half a ClientHello: bad-client-hello, gatehouse still answers")

# --- 6. Garbage after the handshake: a clear close, a bad-request record.
s = connect_tunnel()
t = tls_client().wrap_socket(s, server_hostname=BLOCKED)
s2 = socket.socket(fileno=os.dup(t.fileno()))  # the same connection, under the TLS layer
s2.sendall(b"\x17\x03\x03\x00\x10" + b"\xde\xad\xbe\xef" * 4)  # an application record no key made
s2.settimeout(5)
try:
    while s2.recv(4096):
        pass
except OSError:
    pass
s2.close()
t.close()
wait_record(audit, lambda x: x.get("reason") == "bad-request" and x.get("intercepted") is True,
            what="bad-request inside TLS")
check(alive(), "garbage after the handshake: bad-request recorded, gatehouse still answers")

# --- 7. A 1 MB header inside TLS: 431 over TLS (or a close), recorded.
s = connect_tunnel()
t = tls_client().wrap_socket(s, server_hostname=BLOCKED)
t.settimeout(10)
answer = []


def reader():
    got = b""
    try:
        while True:
            chunk = t.recv(65536)
            if not chunk:
                break
            got += chunk
    except (OSError, ssl.SSLError):
        pass
    answer.append(got)


th = threading.Thread(target=reader, daemon=True)
th.start()
try:
    t.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * (1 << 20) + b"\r\n\r\n")
except (OSError, ssl.SSLError):
    pass
th.join(15)
t.close()
wait_record(audit, lambda x: x.get("reason") == "header-too-large" and x.get("intercepted") is True,
            what="header-too-large inside TLS")
check(not answer or not answer[0] or answer[0].startswith(b"HTTP/1.1 431"),
      "1 MB header: 431 over TLS or a close (%r)" % (answer[0][:20] if answer and answer[0] else b""))
check(alive(), "1 MB header: gatehouse still answers")

# --- 8. An allowed CONNECT whose hello names a blocked host: the page, for the SNI.
s = socket.create_connection(("127.0.0.1", port), timeout=10)
s.sendall(b"CONNECT 127.0.0.1:%d HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n\r\n" % (oport, oport))
head = b""
while b"\r\n\r\n" not in head:
    chunk = s.recv(1)
    if not chunk:
        break
    head += chunk
check(head.startswith(b"HTTP/1.1 200"), "allowed CONNECT to a loopback origin opens")
t = tls_client().wrap_socket(s, server_hostname=BLOCKED)
t.sendall(b"GET /by-sni HTTP/1.1\r\nHost: %s\r\n\r\n" % BLOCKED.encode())
got = b""
while True:
    chunk = t.recv(65536)
    if not chunk:
        break
    got += chunk
t.close()
origin.close()
check(got.startswith(b"HTTP/1.1 403") and b"WhatsApp Web" in got, "SNI-blocked tunnel: the page over TLS")
second = wait_record(audit, lambda x: x["event"] == "decision" and x.get("sni") == BLOCKED
                     and x.get("port") == oport, what="the hello's decision")
check(second["intercepted"] is True and second["action"] == "block", "the hello's record: block, intercepted")
first = [x for x in audit_records(audit) if x["event"] == "decision" and x.get("port") == oport
         and x["sni"] is None][0]
check(first["intercepted"] is False and first["status"] == 200, "the authority record: allowed, not intercepted")
wait_record(audit, lambda x: x.get("url") == "https://%s:%d/by-sni" % (BLOCKED, oport) and x["intercepted"] is True,
            what="inner record of the SNI-blocked tunnel")
time.sleep(0.3)
check(not [x for x in audit_records(audit) if x["event"] == "close" and x.get("ref") == first["id"]],
      "no generic close record for a tunnel that got the page")

# --- 9. The chain verifies; no process key on disk; audit verify passes.
check(gh.proc.poll() is None, "gatehouse never crashed")
keys = [f for f in os.listdir(tmp) if f.endswith(".key")]
check(keys == [], "no key written beside the config")
code = gh.stop()
check(code == 0, "clean stop")
v = subprocess.run([BIN, "audit", "verify", audit], capture_output=True)
check(v.returncode == 0, "audit verify passes with intercepted records: %s" % v.stdout.decode().strip())
print("ok: intercept block page")
