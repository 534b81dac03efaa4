"""Forward proxy end to end with real clients (README "Running the proxy", §7): plain HTTP GET,
POST 1 MiB, chunked both ways, keep-alive reuse, the block page, PAC,
CONNECT to a local TLS origin with curl, an SNI that differs from the
CONNECT host (openssl s_client), a ClientHello written one byte at a time,
and departments played from distinct loopback source addresses with
approvals inside and outside their window. Each case checks its audit
record."""
import hashlib
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from proxy_lib.harness import (Gatehouse, check, client_hello, curl, fail, free_port,  # noqa: E402
                               start_origin, start_tls_origin, wait_record, write_rules, audit_records)

tmp = tempfile.mkdtemp(prefix="gh-proxy-forward-")
origin, oport = start_origin("127.0.0.1")
origin2, oport2 = start_origin("127.0.0.2")
tls, tport, cacert = start_tls_origin(tmp)
port = free_port()
config = write_rules(tmp, port, [tport])
audit = os.path.join(tmp, "audit.jsonl")
gh = Gatehouse(config, port, env={"GATEHOUSE_THREADS": "2"})
proxy = "127.0.0.1:%d" % port


def decision(pred, what):
    return wait_record(audit, lambda r: r["event"] == "decision" and pred(r), what=what)


# --- plain GET, with its decision and close records
r = curl("-x", proxy, "http://127.0.0.1:%d/hello?x=1" % oport, "-D", "-")
check(r.returncode == 0 and b"hello from origin /hello?x=1" in r.stdout, "GET through the proxy")
via_mine = "1.1 %s:%d (gatehouse)" % (socket.gethostname(), port)  # the default via_name
check(("Via: " + via_mine).encode() in r.stdout, "Via added to the response")
d = decision(lambda r: r.get("url") == "http://127.0.0.1:%d/hello?x=1" % oport, "GET decision")
check(d["action"] == "allow" and d["reason"] == "uncategorized" and d["method"] == "GET", "GET audited as allow")
c = wait_record(audit, lambda r: r["event"] == "close" and r.get("ref") == d["id"], what="GET close")
check(c["status"] == 200 and c["bytes_down"] > 0 and "duration_ms" in c, "GET close record with bytes")

# --- request headers the origin sees: hop-by-hop removed, Via added
r = curl("-x", proxy, "-H", "Connection: X-Secret", "-H", "X-Secret: 1", "-H", "Proxy-Authorization: Basic Zm9v",
         "-H", "Keep-Alive: 5", "-H", "Upgrade: h2c", "http://127.0.0.1:%d/headers" % oport)
seen = json.loads(r.stdout)
check("x-secret" not in seen and "proxy-authorization" not in seen and "keep-alive" not in seen
      and "upgrade" not in seen and "proxy-connection" not in seen, "hop-by-hop headers removed")
check(seen.get("via") == via_mine and seen.get("host") == "127.0.0.1:%d" % oport, "Via and Host to the origin")

# --- POST 1 MiB, with Expect: 100-continue (curl sends it for large bodies)
body = os.urandom(1024 * 1024)
bodyfile = os.path.join(tmp, "body.bin")
with open(bodyfile, "wb") as f:
    f.write(body)
r = curl("-x", proxy, "--data-binary", "@" + bodyfile, "-H", "Expect: 100-continue",
         "http://127.0.0.1:%d/upload" % oport)
res = json.loads(r.stdout)
check(res["len"] == len(body) and res["sha256"] == hashlib.sha256(body).hexdigest(), "POST 1 MiB intact")
check(res["expect"] is None, "Expect handled by the proxy, not forwarded")
c = wait_record(audit, lambda r: r["event"] == "close" and r.get("bytes_up") == len(body), what="POST close")

# --- chunked request and chunked response
r = curl("-x", proxy, "-H", "Transfer-Encoding: chunked", "--data-binary", "@" + bodyfile,
         "http://127.0.0.1:%d/chunked-up" % oport)
res = json.loads(r.stdout)
check(res["len"] == len(body) and res["te"] == "chunked", "chunked request body relayed as chunked")
r = curl("-x", proxy, "http://127.0.0.1:%d/chunked" % oport)
check(r.stdout.count(b"part4-") == 100 and len(r.stdout) == 5 * 600, "chunked response relayed")

# --- keep-alive on both sides
before = origin.RequestHandlerClass.connections
r = curl("-v", "-x", proxy, "http://127.0.0.1:%d/a" % oport, "http://127.0.0.1:%d/b" % oport)
check(b"hello from origin /a" in r.stdout and b"hello from origin /b" in r.stdout, "two requests")
check(b"Re-using existing connection" in r.stderr, "client connection kept alive")
# (one origin connection for both, or none: an idle pooled one served them)
check(origin.RequestHandlerClass.connections - before <= 1, "upstream connection reused for the same host:port")
# the origin address is recorded on every request, the second one on a reused connection too
want_dest = "127.0.0.1:%d" % oport
for path in ("/a", "/b"):
    d = decision(lambda r, path=path: r.get("url", "").endswith(path), "GET " + path)
    check(d.get("dest") == want_dest, "dest of %s is %s (got %r)" % (path, want_dest, d.get("dest")))

# --- a new client connection per request still reuses idle origin
# connections (the per-loop pool; at most one new origin connection per
# event-loop thread, GATEHOUSE_THREADS=2 here)
before = origin.RequestHandlerClass.connections
for i in range(6):
    r = curl("-x", proxy, "http://127.0.0.1:%d/pooled%d" % (oport, i))
    check(b"hello from origin /pooled%d" % i in r.stdout, "request %d on its own client connection" % i)
check(origin.RequestHandlerClass.connections - before <= 2,
      "origin connections reused across client connections (%d new for 6 requests)"
      % (origin.RequestHandlerClass.connections - before))
for i in range(6):  # a pooled connection keeps its origin address for the record
    d = decision(lambda r, i=i: r.get("url", "").endswith("/pooled%d" % i), "GET /pooled%d" % i)
    check(d.get("dest") == want_dest, "dest of /pooled%d is %s (got %r)" % (i, want_dest, d.get("dest")))

# --- a pooled origin connection is reused only under the rules it was opened
# with: after a reload (SIGHUP) the next request connects anew
gh.proc.send_signal(signal.SIGHUP)
deadline = time.time() + 20
while gh.output().count("reload: ok") < 1 and time.time() < deadline:
    time.sleep(0.05)
check("reload: ok" in gh.output(), "SIGHUP reloaded the rules")
before = origin.RequestHandlerClass.connections
r = curl("-x", proxy, "http://127.0.0.1:%d/after-reload" % oport)
check(b"hello from origin /after-reload" in r.stdout, "request after the reload")
check(origin.RequestHandlerClass.connections - before == 1,
      "no pooled connection reused across a reload (%d new)"
      % (origin.RequestHandlerClass.connections - before))

# --- HEAD
r = curl("-x", proxy, "-I", "http://127.0.0.1:%d/h" % oport)
check(r.returncode == 0 and b"200" in r.stdout.split(b"\r\n")[0], "HEAD through the proxy")

# --- blocked plain HTTP: the block page
r = curl("-x", proxy, "http://web.whatsapp.com/", "-D", "-")
out = r.stdout.decode()
check(out.startswith("HTTP/1.1 403"), "blocked host answers 403")
check("text/html; charset=utf-8" in out and "Cache-Control: no-store" in out, "block page headers")
d = decision(lambda r: r.get("host") == "web.whatsapp.com" and r.get("method") == "GET", "block decision")
check(d["action"] == "block" and d["reason"] == "category-blocked" and d["app"] == "whatsapp-web"
      and d["status"] == 403, "block audited")
check("WhatsApp Web" in out and "Web-based instant messaging" in out and d["id"] in out
      and "it-security@example.gov" in out, "block page names app, category, reference, contact")

# --- HTML escaping on the block page (hostile path is never echoed raw)
r = curl("-x", proxy, "http://web.whatsapp.com/<script>alert(1)</script>")
check(b"<script>" not in r.stdout, "block page does not echo markup")

# --- PAC on the forward listener
r = curl("http://%s/proxy.pac" % proxy, "-D", "-")
check(b"application/x-ns-proxy-autoconfig" in r.stdout and b"FindProxyForURL" in r.stdout, "PAC served")
r = curl("http://%s/wpad.dat" % proxy)
check(b"FindProxyForURL" in r.stdout, "wpad.dat served")

# --- CONNECT to a local TLS origin with curl
r = curl("-x", proxy, "--cacert", cacert, "https://localhost:%d/tls" % tport)
check(r.returncode == 0 and b"hello from origin /tls" in r.stdout, "HTTPS through CONNECT: " + r.stderr.decode())
d1 = decision(lambda r: r.get("method") == "CONNECT" and r.get("port") == tport and r.get("sni") is None,
              "CONNECT first decision")
check(d1["action"] == "allow" and d1["status"] == 200 and d1["host"] == "localhost", "CONNECT record #1")
d2 = decision(lambda r: r.get("method") == "CONNECT" and r.get("port") == tport and r.get("sni") == "localhost",
              "CONNECT SNI decision")
check(d2["action"] == "allow", "CONNECT record #2 with SNI")
c = wait_record(audit, lambda r: r["event"] == "close" and r.get("ref") == d1["id"], what="tunnel close")
check(c["bytes_up"] > 0 and c["bytes_down"] > 0, "tunnel close record with bytes")

# --- blocked CONNECT: 403 with the block page
r = curl("-x", proxy, "https://web.whatsapp.com/", "-v")
check(b"403" in r.stderr, "blocked CONNECT answers 403")
d = decision(lambda r: r.get("method") == "CONNECT" and r.get("host") == "web.whatsapp.com", "blocked CONNECT")
check(d["action"] == "block" and d["sni"] is None and d["status"] == 403, "blocked CONNECT audited")


def read_response(sock):
    """One response with a Content-Length body: (head, body)."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(4096)
        if not chunk:
            fail("connection closed before a response head")
        data += chunk
    head, body = data.split(b"\r\n\r\n", 1)
    length = int([ln.split(b":", 1)[1] for ln in head.split(b"\r\n")
                  if ln.lower().startswith(b"content-length:")][0])
    while len(body) < length:
        chunk = sock.recv(4096)
        if not chunk:
            fail("connection closed inside a response body")
        body += chunk
    return head, body


# --- after a 403 to CONNECT the connection stays open (as Squid keeps it):
# the next request on it is answered
s = socket.create_connection(("127.0.0.1", port), timeout=10)
s.sendall(b"CONNECT web.whatsapp.com:443 HTTP/1.1\r\nHost: web.whatsapp.com:443\r\n\r\n")
head, body = read_response(s)
check(head.startswith(b"HTTP/1.1 403") and b"gh-" in body, "blocked CONNECT: 403 with the block page")
s.sendall(b"GET http://127.0.0.1:%d/again HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n\r\n" % (oport, oport))
head, body = read_response(s)
check(head.startswith(b"HTTP/1.1 200") and b"hello from origin /again" in body,
      "the connection of a refused CONNECT serves the next request")
s.sendall(b"CONNECT web.whatsapp.com:443 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
head, body = read_response(s)
check(head.startswith(b"HTTP/1.1 403") and s.recv(1) == b"", "Connection: close is honoured after a 403")
s.close()

# --- SNI differing from the CONNECT host: TLS alert, sni-mismatch
p = subprocess.run(["openssl", "s_client", "-proxy", proxy, "-connect", "localhost:%d" % tport,
                    "-servername", "other.example"], input=b"", capture_output=True, timeout=20)
err = (p.stdout + p.stderr).decode(errors="replace")
check("access denied" in err or "alert" in err, "s_client sees a TLS alert")
d = decision(lambda r: r.get("sni") == "other.example", "sni-mismatch decision")
check(d["action"] == "block" and d["reason"] == "sni-mismatch", "audited as sni-mismatch")

# --- a ClientHello written one byte at a time
hello = client_hello("localhost")
s = socket.create_connection(("127.0.0.1", port), timeout=10)
s.sendall(b"CONNECT localhost:%d HTTP/1.1\r\nHost: localhost:%d\r\n\r\n" % (tport, tport))
resp = s.recv(4096)
check(resp.startswith(b"HTTP/1.1 200"), "CONNECT established for the split hello")
for b in hello:
    s.send(bytes([b]))
    time.sleep(0.001)
first = s.recv(5)
check(first[:1] == b"\x16", "origin's ServerHello comes back after a byte-wise hello")
s.close()
n = sum(1 for r in audit_records(audit) if r["event"] == "decision" and r.get("sni") == "localhost")
check(n >= 2, "byte-wise hello parsed (SNI recorded)")

# --- CONNECT and ClientHello in one write (pipelined behind the request)
s = socket.create_connection(("127.0.0.1", port), timeout=10)
s.sendall(b"CONNECT localhost:%d HTTP/1.1\r\nHost: localhost:%d\r\n\r\n" % (tport, tport) + client_hello("localhost"))
resp = b""
while b"\r\n\r\n" not in resp:
    resp += s.recv(4096)
rest = resp.split(b"\r\n\r\n", 1)[1]
if not rest:
    rest = s.recv(5)
check(resp.startswith(b"HTTP/1.1 200") and rest[:1] == b"\x16", "pipelined ClientHello reaches the origin")
s.close()

# --- departments from distinct loopback sources, approvals in and out of window
url2 = "http://127.0.0.2:%d/dept" % oport2
r = curl("--interface", "127.0.20.5", "-x", proxy, url2)
check(b"hello from origin /dept" in r.stdout, "approved client (127.0.20.5) passes")
d = decision(lambda r: r.get("client", "").startswith("127.0.20.5:") and r.get("url") == url2, "approved")
check(d["action"] == "allow" and d["reason"] == "approved" and d["approval"] == "IMM-TEST-001"
      and d["department"] == "immigration-demo" and d["app"] == "loopback-chat", "approval recorded")
r = curl("--interface", "127.0.20.6", "-x", proxy, url2, "-D", "-")
check(r.stdout.startswith(b"HTTP/1.1 403"), "same department outside the approval's networks is blocked")
r = curl("--interface", "127.0.30.5", "-x", proxy, url2, "-D", "-")
check(r.stdout.startswith(b"HTTP/1.1 403") and b"Finance Bureau" in r.stdout, "expired approval: blocked")
d = decision(lambda r: r.get("client", "").startswith("127.0.30.5:") and r.get("url") == url2, "expired")
check(d["action"] == "block" and d["approval"] is None and d["department"] == "finance-demo",
      "expired approval not applied")

rc = gh.stop()
check(rc == 0, "clean stop exits 0")
v = subprocess.run([os.environ.get("GATEHOUSE", "gatehouse"), "audit", "verify", audit], capture_output=True)
check(v.returncode == 0, "audit chain verifies: " + v.stdout.decode() + v.stderr.decode())
print("proxy_forward: all passed")
