"""Transparent listeners for real (README "Running the proxy"): network namespaces joined by
veths, an origin in one, gatehouse and an nftables redirect in the gateway
between, the client in a third. Original destinations come from
SO_ORIGINAL_DST (IPv4) and IP6T_SO_ORIGINAL_DST (IPv6). Private test
addresses (10.99.x.x, fd99::) live only inside the namespaces created here;
nothing leaves the machine. Exit 77 where namespaces cannot be created."""
import atexit
import os
import socket
import subprocess
import sys
import tempfile
import time

import yaml

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from proxy_lib.harness import (BIN, audit_records, check, client_hello, fail, free_port,  # noqa: E402
                               wait_record, write_rules)

tag = "%d" % (os.getpid() % 100000)
NS = {"c": "ghc" + tag, "g": "ghg" + tag, "o": "gho" + tag}
procs = []


def sh(*cmd, ns=None, check_rc=True, timeout=30):
    full = (["ip", "netns", "exec", NS[ns]] if ns else []) + list(cmd)
    r = subprocess.run(full, capture_output=True, timeout=timeout)
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


atexit.register(cleanup)

if os.geteuid() != 0 or subprocess.run(["ip", "netns", "add", NS["c"]], capture_output=True).returncode != 0:
    print("SKIP: cannot create network namespaces here (needs root / CAP_SYS_ADMIN)")
    sys.exit(77)
for k in ("g", "o"):
    sh("ip", "netns", "add", NS[k])

# client c0 (10.99.1.2, fd99:1::2) <-> g0 gateway g1 <-> o0 origin (10.99.2.2, fd99:2::2)
sh("ip", "link", "add", "c0", "netns", NS["c"], "type", "veth", "peer", "name", "g0", "netns", NS["g"])
sh("ip", "link", "add", "o0", "netns", NS["o"], "type", "veth", "peer", "name", "g1", "netns", NS["g"])
for ns, dev, v4, v6 in (("c", "c0", "10.99.1.2/24", "fd99:1::2/64"), ("g", "g0", "10.99.1.1/24", "fd99:1::1/64"),
                        ("g", "g1", "10.99.2.1/24", "fd99:2::1/64"), ("o", "o0", "10.99.2.2/24", "fd99:2::2/64")):
    sh("ip", "addr", "add", v4, "dev", dev, ns=ns)
    sh("ip", "-6", "addr", "add", v6, "dev", dev, "nodad", ns=ns)
    sh("ip", "link", "set", dev, "up", ns=ns)
for ns in ("c", "g", "o"):
    sh("ip", "link", "set", "lo", "up", ns=ns)
sh("ip", "addr", "add", "10.99.1.3/24", "dev", "c0", ns="c")  # a client outside clients.allow
sh("ip", "addr", "add", "10.99.2.9/24", "dev", "o0", ns="o")  # an address a blocked app owns
sh("ip", "route", "add", "default", "via", "10.99.1.1", ns="c")
sh("ip", "-6", "route", "add", "default", "via", "fd99:1::1", ns="c")
sh("ip", "route", "add", "default", "via", "10.99.2.1", ns="o")
sh("ip", "-6", "route", "add", "default", "via", "fd99:2::1", ns="o")
sh("sysctl", "-qw", "net.ipv4.ip_forward=1", ns="g")
sh("sysctl", "-qw", "net.ipv6.conf.all.forwarding=1", ns="g")
nft = """table inet ghtest {
  chain prerouting {
    type nat hook prerouting priority dstnat;
    iifname "g0" tcp dport 443 redirect to :3129
    iifname "g0" tcp dport 80 redirect to :3130
    iifname "g0" tcp dport 81 redirect to :3130
  }
}
"""
p = subprocess.run(["ip", "netns", "exec", NS["g"], "nft", "-f", "-"], input=nft.encode(), capture_output=True)
if p.returncode != 0:
    fail("nft: " + p.stderr.decode())

# The origin silently drops port 81: an upstream that never answers.
drop = """table inet ghdrop {
  chain input {
    type filter hook input priority 0;
    tcp dport 81 drop
  }
}
"""
p = subprocess.run(["ip", "netns", "exec", NS["o"], "nft", "-f", "-"], input=drop.encode(), capture_output=True)
if p.returncode != 0:
    fail("nft (origin): " + p.stderr.decode())

tmp = tempfile.mkdtemp(prefix="gh-proxy-transparent-")
o = subprocess.Popen(["ip", "netns", "exec", NS["o"], "python3",
                      os.path.join(os.path.dirname(os.path.abspath(__file__)), "proxy_lib", "origin_main.py"),
                      "::", "80", "443", tmp], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
procs.append(o)
line = o.stdout.readline()
if b"ready" not in line:
    fail("origin did not start: %r" % line)

fwd = free_port()
config = write_rules(tmp, fwd, [], clients=["10.99.1.2/32", "fd99:1::2/128"],
                     limits={"connect_timeout": "1s", "client_hello_timeout": "1s"},
                     listen=[{"address": "127.0.0.1:%d" % fwd, "mode": "forward"},
                             {"address": "0.0.0.0:3129", "mode": "transparent-tls"},
                             {"address": "0.0.0.0:3130", "mode": "transparent-http"},
                             {"address": "[::]:3129", "mode": "transparent-tls", "name": "tls6"},
                             {"address": "[::]:3130", "mode": "transparent-http", "name": "http6"}])
# An app known only by its network (README "Rule files"): a name must not launder its address.
with open(os.path.join(tmp, "rules", "categories", "test-storage.yaml"), "w") as f:
    f.write('category: test-storage\ntitle: Test storage\napps:\n'
            '  - id: netstore\n    title: Net Store\n    networks: ["10.99.2.9/32"]\n')
with open(config) as f:
    cfg = yaml.safe_load(f)
cfg["policy"]["categories"]["test-storage"] = "block"
with open(config, "w") as f:
    yaml.safe_dump(cfg, f, sort_keys=False)
audit = os.path.join(tmp, "audit.jsonl")
log = open(os.path.join(tmp, "gatehouse.log"), "w+")
gh = subprocess.Popen(["ip", "netns", "exec", NS["g"], BIN, "serve", "--config", config], stdout=log,
                      stderr=subprocess.STDOUT)
procs.append(gh)
deadline = time.time() + 30
while time.time() < deadline:
    log.seek(0)
    if log.read().count("listening on") >= 5:
        break
    if gh.poll() is not None:
        break
    time.sleep(0.1)
log.seek(0)
out = log.read()
if out.count("listening on") < 5:
    fail("gatehouse did not start in the gateway namespace:\n" + out)


def curl(*args):
    return sh("curl", "-sS", "--max-time", "15", *args, ns="c", check_rc=False, timeout=25)


def rec(pred, what):
    return wait_record(audit, lambda r: r["event"] == "decision" and pred(r), what=what)


# --- transparent-http, IPv4 and IPv6
r = curl("-H", "Host: allowed.example", "http://10.99.2.2/hello")
check(b"hello from origin /hello" in r.stdout, "transparent-http relays to the original destination")
d = rec(lambda r: r["listener"] == "transparent-http" and r.get("host") == "allowed.example", "t-http allow")
check(d["action"] == "allow" and d["port"] == 80 and d["client"].startswith("10.99.1.2:"), "transparent-http audited")
r = curl("-D", "-", "-H", "Host: web.whatsapp.com", "http://10.99.2.2/")
check(r.stdout.startswith(b"HTTP/1.1 403") and b"WhatsApp Web" in r.stdout, "transparent-http block page")
d = rec(lambda r: r["listener"] == "transparent-http" and r.get("host") == "web.whatsapp.com", "t-http block")
check(d["action"] == "block" and d["reason"] == "category-blocked", "transparent-http block audited")
r = curl("-H", "Host: allowed6.example", "http://[fd99:2::2]/v6")
check(b"hello from origin /v6" in r.stdout, "transparent-http over IPv6 (IP6T_SO_ORIGINAL_DST)")
rec(lambda r: r["listener"] == "http6" and r.get("host") == "allowed6.example", "t-http v6")

# --- transparent-tls, IPv4 and IPv6
r = curl("-k", "--resolve", "allowed.example:443:10.99.2.2", "https://allowed.example/tls")
check(b"hello from origin /tls" in r.stdout, "transparent-tls relays to the original destination")
d = rec(lambda r: r["listener"] == "transparent-tls" and r.get("sni") == "allowed.example", "t-tls allow")
check(d["action"] == "allow" and d["port"] == 443 and d["host"] == "allowed.example", "transparent-tls audited")
r = curl("-k", "--resolve", "allowed6.example:443:[fd99:2::2]", "https://allowed6.example/tls6")
check(b"hello from origin /tls6" in r.stdout, "transparent-tls over IPv6")
rec(lambda r: r["listener"] == "tls6" and r.get("sni") == "allowed6.example", "t-tls v6")

hello = client_hello("web.whatsapp.com")
probe = ("import socket,sys\ns=socket.create_connection(('10.99.2.2',443),timeout=10)\n"
         "s.sendall(bytes.fromhex('%s'))\nd=b''\n"
         "while True:\n  c=s.recv(100)\n  if not c: break\n  d+=c\nprint(d.hex())\n" % hello.hex())
r = sh("python3", "-c", probe, ns="c", check_rc=False)
check(r.stdout.strip() == b"15030300020231", "blocked SNI gets the TLS access_denied alert, then close")
d = rec(lambda r: r["listener"] == "transparent-tls" and r.get("sni") == "web.whatsapp.com", "t-tls block")
check(d["action"] == "block" and d["reason"] == "category-blocked" and d["app"] == "whatsapp-web",
      "transparent-tls block audited")
r = curl("-k", "--resolve", "web.whatsapp.com:443:10.99.2.2", "https://web.whatsapp.com/")
check(r.returncode != 0, "curl fails against a blocked SNI")

# --- issue 10 class 4: the real destination is classified too, and recorded as dest
r = curl("-k", "--resolve", "allowed.example:443:10.99.2.9", "https://allowed.example/laundered")
check(b"hello from origin" not in r.stdout, "transparent-tls: an allowed SNI to a blocked app's address is refused")
d = rec(lambda r: r["listener"] == "transparent-tls" and r.get("dest") == "10.99.2.9:443", "t-tls by address")
check(d["action"] == "block" and d["app"] == "netstore" and d["sni"] == "allowed.example",
      "transparent-tls: blocked by the original destination's app, dest recorded")
d = rec(lambda r: r["listener"] == "transparent-tls" and r.get("sni") == "allowed.example" and r["action"] == "allow",
        "t-tls allow dest")
check(d.get("dest") == "10.99.2.2:443", "transparent-tls: dest is the original destination")


def probe_tls(payload_hex, pause=0.0):
    code = ("import socket,time\ns=socket.create_connection(('10.99.2.2',443),timeout=10)\n"
            "time.sleep(%f)\ns.sendall(bytes.fromhex('%s'))\nd=b''\n"
            "try:\n  while True:\n    c=s.recv(100)\n    if not c: break\n    d+=c\n"
            "except OSError: pass\nprint(d.hex())\n" % (pause, payload_hex))
    return sh("python3", "-c", code, ns="c", check_rc=False)


# --- issue 10 class 2 on a transparent listener: no decision, no relay
before = len(audit_records(audit))
r = probe_tls(b"GET / HTTP/1.1\r\nHost: allowed.example\r\n\r\n".hex())
check(b"hello from origin" not in bytes.fromhex(r.stdout.strip().decode() or ""), "non-TLS on :443 is not relayed")
d = wait_record(audit, lambda r: r["event"] == "decision" and r["reason"] == "non-tls-tunnel", what="non-tls")
check(d["action"] == "block" and d["listener"] == "transparent-tls", "transparent non-TLS audited block/non-tls-tunnel")
r = probe_tls(client_hello("web.whatsapp.com").hex(), pause=1.6)
d = wait_record(audit, lambda r: r["event"] == "decision" and r["reason"] == "client-hello-timeout",
                what="client-hello-timeout")
check(d["action"] == "deny" and d.get("dest") == "10.99.2.2:443", "transparent silent client: deny/client-hello-timeout")
h = bytearray(client_hello("web.whatsapp.com"))
h[2] = 0x05  # record version 03 05: was "not TLS", relayed unexamined
r = probe_tls(bytes(h).hex())
check(r.stdout.strip() == b"15030300020231", "transparent: record version 03 05 still gets the alert")

# --- an origin that never answers the connect: 504 upstream-timeout
r = curl("-D", "-", "-H", "Host: slow.example", "http://10.99.2.2:81/")
check(r.stdout.startswith(b"HTTP/1.1 504"), "unanswered connect gives 504")
d = rec(lambda r: r.get("host") == "slow.example", "upstream-timeout")
check(d["reason"] == "upstream-timeout" and d["action"] == "deny" and d["status"] == 504, "audited upstream-timeout")

# --- a client outside clients.allow is audited and closed
r = curl("--interface", "10.99.1.3", "-H", "Host: allowed.example", "http://10.99.2.2/x")
check(b"hello from origin" not in r.stdout, "client outside clients.allow gets nothing")
d = rec(lambda r: r["client"].startswith("10.99.1.3:"), "client-not-allowed")
check(d["reason"] == "client-not-allowed" and d["action"] == "deny", "transparent client-not-allowed audited")

gh.terminate()
check(gh.wait(timeout=40) == 0, "gatehouse in the namespace stops cleanly")
print("proxy_transparent: all passed")
