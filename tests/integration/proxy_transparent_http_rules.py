"""transparent-http hardening, for real (docs/threat-model.md; issue 10, classes 4, 5 and 8):
network namespaces joined by veths, an origin in one, gatehouse and an
nftables redirect of :80 in the gateway between, the client in a third (the
layout of proxy_transparent.py, IPv4 only).

- An absolute-form request on a transparent-http listener is refused with 400
  (audited bad-request): the connection goes to its original destination, so
  a request line naming another host must not be classified instead.
- The path is normalised there too: a dot-segment spelling of the WeChat URL
  rule's path is blocked, and the origin receives normalised paths.
- A connection made straight to the listener has itself as its original
  destination: forwarding it would loop. The loop ends at once (our own Via
  entry is seen, `loop-detected`), not after hundreds of nested connections.
Exit 77 where namespaces cannot be created."""
import os
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from proxy_lib.harness import (BIN, audit_mark, audit_records, check, fail, free_port,  # noqa: E402
                               wait_record, write_rules)

tag = "%d" % (os.getpid() % 100000)
NS = {"c": "gxc" + tag, "g": "gxg" + tag, "o": "gxo" + tag}
procs = []


def sh(*cmd, ns=None, check_rc=True, timeout=30, data=None):
    full = (["ip", "netns", "exec", NS[ns]] if ns else []) + list(cmd)
    r = subprocess.run(full, capture_output=True, timeout=timeout, input=data)
    if check_rc and r.returncode != 0:
        fail("%s: %s" % (" ".join(full), r.stderr.decode(errors="replace")))
    return r


def cleanup():
    for p in procs:
        if p.poll() is None:
            p.kill()
            p.wait(timeout=5)
    for n in NS.values():
        subprocess.run(["ip", "netns", "del", n], capture_output=True)


import atexit  # noqa: E402

atexit.register(cleanup)

if os.geteuid() != 0 or subprocess.run(["ip", "netns", "add", NS["c"]], capture_output=True).returncode != 0:
    print("SKIP: cannot create network namespaces here (needs root / CAP_SYS_ADMIN)")
    sys.exit(77)
for k in ("g", "o"):
    sh("ip", "netns", "add", NS[k])

# client c0 (10.99.1.2) <-> g0 gateway (10.99.1.1) g1 <-> o0 origin (10.99.2.2)
sh("ip", "link", "add", "c0", "netns", NS["c"], "type", "veth", "peer", "name", "g0", "netns", NS["g"])
sh("ip", "link", "add", "o0", "netns", NS["o"], "type", "veth", "peer", "name", "g1", "netns", NS["g"])
for ns, dev, v4 in (("c", "c0", "10.99.1.2/24"), ("g", "g0", "10.99.1.1/24"),
                    ("g", "g1", "10.99.2.1/24"), ("o", "o0", "10.99.2.2/24")):
    sh("ip", "addr", "add", v4, "dev", dev, ns=ns)
    sh("ip", "link", "set", dev, "up", ns=ns)
for ns in ("c", "g", "o"):
    sh("ip", "link", "set", "lo", "up", ns=ns)
sh("ip", "route", "add", "default", "via", "10.99.1.1", ns="c")
sh("ip", "route", "add", "default", "via", "10.99.2.1", ns="o")
sh("sysctl", "-qw", "net.ipv4.ip_forward=1", ns="g")
nft = b"""table inet gxtest {
  chain prerouting {
    type nat hook prerouting priority dstnat;
    iifname "g0" tcp dport 80 redirect to :3130
  }
}
"""
sh("nft", "-f", "-", ns="g", data=nft)

tmp = tempfile.mkdtemp(prefix="gh-transparent-http-rules-")
o = subprocess.Popen(["ip", "netns", "exec", NS["o"], "python3",
                      os.path.join(os.path.dirname(os.path.abspath(__file__)), "proxy_lib", "origin_main.py"),
                      "0.0.0.0", "80", "443", tmp], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
procs.append(o)
if b"ready" not in o.stdout.readline():
    fail("origin did not start")

fwd = free_port()
# 10.99.1.1 (the gateway itself) is allowed so that a looping connection gets
# as far as the request it carries.
config = write_rules(tmp, fwd, [], clients=["10.99.1.2/32", "10.99.1.1/32"], limits={"connect_timeout": "2s"},
                     listen=[{"address": "127.0.0.1:%d" % fwd, "mode": "forward"},
                             {"address": "0.0.0.0:3130", "mode": "transparent-http"}])
audit = os.path.join(tmp, "audit.jsonl")
log = open(os.path.join(tmp, "gatehouse.log"), "w+")
gh = subprocess.Popen(["ip", "netns", "exec", NS["g"], BIN, "serve", "--config", config], stdout=log,
                      stderr=subprocess.STDOUT)
procs.append(gh)
deadline = time.time() + 30
while time.time() < deadline:
    log.seek(0)
    if log.read().count("listening on") >= 2 or gh.poll() is not None:
        break
    time.sleep(0.1)
log.seek(0)
if log.read().count("listening on") < 2:
    log.seek(0)
    fail("gatehouse did not start in the gateway namespace:\n" + log.read())

PROBE = """import socket, sys
s = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=10)
print("%s:%d" % s.getsockname(), flush=True)
s.sendall(bytes.fromhex(sys.argv[3]))
d = b""
try:
    while True:
        c = s.recv(65536)
        if not c:
            break
        d += c
except OSError:
    pass
sys.stdout.write(d.hex())
"""


# client address -> audit records before its connection (a later connection
# may reuse the source port, and its address then matches older records)
marks = {}


def raw(data, dst="10.99.2.2", port=80):
    """Sends bytes from the client namespace; returns (answer, client address)."""
    mark = audit_mark(audit)
    r = sh("python3", "-c", PROBE, dst, str(port), data.hex(), ns="c", check_rc=False, timeout=30)
    lines = r.stdout.decode().split("\n", 1)
    if len(lines) < 2:
        fail("probe failed: %r %r" % (r.stdout, r.stderr))
    marks[lines[0].strip()] = mark
    return bytes.fromhex(lines[1].strip()), lines[0].strip()


def rec(me, what):
    return wait_record(audit, lambda r: r["event"] == "decision" and r["client"] == me, what=what,
                       after=marks.get(me, 0))


# --- origin-form works, and the origin gets the normalised path
got, me = raw(b"GET /x/../a//b/%7e HTTP/1.1\r\nHost: allowed.example\r\nConnection: close\r\n\r\n")
check(got.startswith(b"HTTP/1.1 200") and got.endswith(b"hello from origin /a/b/~"),
      "transparent-http: the origin gets the normalised path")
d = rec(me, "normalised")
check(d["listener"] == "transparent-http" and d["url"] == "http://allowed.example/a/b/~", "audited normalised url")

# --- a URL rule cannot be walked around on a transparent listener either
got, me = raw(b"GET /x/../cgi-bin/./mmwebwx-bin/ HTTP/1.1\r\nHost: allowed.example\r\nConnection: close\r\n\r\n")
check(got.startswith(b"HTTP/1.1 403") and b"WeChat for Web" in got, "transparent-http: dot segments do not pass the URL rule")
d = rec(me, "url rule")
check(d["app"] == "wechat-web" and d["action"] == "block", "transparent-http: blocked as wechat-web")

# --- absolute-form on a transparent listener: 400, audited
for target, host in ((b"http://allowed.example/x", b"allowed.example"),
                     (b"http://allowed.example/x", b"web.whatsapp.com"),
                     (b"http://10.99.2.2/x", b"allowed.example"),
                     (b"https://allowed.example/", b"allowed.example")):
    got, me = raw(b"GET " + target + b" HTTP/1.1\r\nHost: " + host + b"\r\n\r\n")
    check(got.startswith(b"HTTP/1.1 400") and b"hello from origin" not in got,
          "absolute-form %s (Host %s): 400" % (target.decode(), host.decode()))
    d = rec(me, "absolute-form")
    check(d["action"] == "deny" and d["reason"] == "bad-request" and d["listener"] == "transparent-http",
          "absolute-form %s: audited bad-request" % target.decode())

# --- a connection straight to the listener: its original destination is the
# listener itself. The loop must end at once and be on record.
got, me = raw(b"GET /loop HTTP/1.1\r\nHost: loop.example\r\nConnection: close\r\n\r\n", dst="10.99.1.1", port=3130)
check(b"hello from origin" not in got, "a self-destined connection reaches no origin")
wait_record(audit, lambda r: r["event"] == "decision" and r["reason"] == "loop-detected", what="loop-detected")
time.sleep(0.5)  # anything still looping would add records meanwhile
n = sum(1 for r in audit_records(audit) if r["event"] == "decision" and r.get("host") == "loop.example")
check(n <= 2, "the loop ended after at most one nested request (%d decision records)" % n)
d = next(r for r in audit_records(audit) if r["event"] == "decision" and r["reason"] == "loop-detected")
check(d["action"] == "deny", "loop audited as deny loop-detected")

gh.terminate()
check(gh.wait(timeout=40) == 0, "gatehouse in the namespace stops cleanly")
print("proxy_transparent_http_rules: all passed")
