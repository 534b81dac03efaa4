"""Limits and guards (README "Decisions: actions and reasons" step 7, §6, §9): the private-destination guard
after resolution, clients outside clients.allow, max_connections_per_client,
upstream failures (502 refused, 502 unresolvable), each audited; and the
audit writer failing with on_failure: block -> 503."""
import os
import socket
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from proxy_lib.harness import (Gatehouse, check, curl, free_port, start_origin,  # noqa: E402
                               wait_record, write_rules)

tmp = tempfile.mkdtemp(prefix="gh-proxy-limits-")
origin, oport = start_origin()
port = free_port()
config = write_rules(tmp, port, [], block_private=True,
                     clients=["127.0.0.1/32", "127.0.20.0/24", "127.0.0.9/32"],
                     limits={"max_connections_per_client": 3})
audit = os.path.join(tmp, "audit.jsonl")
gh = Gatehouse(config, port)
proxy = "127.0.0.1:%d" % port


def decision(pred, what):
    return wait_record(audit, lambda r: r["event"] == "decision" and pred(r), what=what)


# --- private destination: loopback origin refused after resolution
r = curl("-x", proxy, "http://localhost:%d/private" % oport, "-D", "-")
check(r.stdout.startswith(b"HTTP/1.1 403"), "private destination answers 403")
d = decision(lambda r: r.get("url", "") and r["url"].endswith("/private"), "private-destination")
check(d["action"] == "deny" and d["reason"] == "private-destination", "audited private-destination")

# --- CONNECT to a private destination
r = curl("-x", proxy, "-k", "https://127.0.0.1:443/", "-v")
check(b"403" in r.stderr, "CONNECT to loopback answers 403")

# --- a blocked host is never resolved: an unresolvable blocked name still gets the block page
r = curl("-x", proxy, "http://x.web.whatsapp.com.invalid.web.whatsapp.com/", "-D", "-")
check(r.stdout.startswith(b"HTTP/1.1 403"), "blocked name answered without resolving")

# --- unresolvable name: 502 upstream-unresolvable (.invalid never resolves, RFC 6761)
r = curl("-x", proxy, "http://no-such-host.invalid/", "-D", "-")
check(r.stdout.startswith(b"HTTP/1.1 502"), "unresolvable name answers 502")
d = decision(lambda r: r.get("host") == "no-such-host.invalid", "unresolvable")
check(d["reason"] == "upstream-unresolvable" and d["status"] == 502, "audited upstream-unresolvable")

# --- client not allowed
r = curl("--interface", "127.0.0.77", "-x", proxy, "http://example.com/", "-D", "-")
check(r.stdout.startswith(b"HTTP/1.1 403"), "client outside clients.allow answers 403")
d = decision(lambda r: r["client"].startswith("127.0.0.77:"), "client-not-allowed")
check(d["action"] == "deny" and d["reason"] == "client-not-allowed", "audited client-not-allowed")

# --- max_connections_per_client: the 4th connection from one address gets 503
held = []
for _ in range(3):
    s = socket.socket()
    s.bind(("127.0.0.9", 0))
    s.connect(("127.0.0.1", port))
    held.append(s)
time.sleep(0.3)
s = socket.socket()
s.bind(("127.0.0.9", 0))
s.settimeout(5)
s.connect(("127.0.0.1", port))
got = b""
try:
    while True:
        c = s.recv(4096)
        if not c:
            break
        got += c
except (socket.timeout, ConnectionResetError):
    pass
check(got.startswith(b"HTTP/1.1 503"), "over max_connections_per_client answers 503")
d = decision(lambda r: r["client"].startswith("127.0.0.9:") and r["reason"] == "client-limit", "client-limit")
check(d["action"] == "deny" and d["status"] == 503, "audited client-limit")
r = curl("-x", proxy, "http://web.whatsapp.com/", "-D", "-")
check(r.stdout.startswith(b"HTTP/1.1 403"), "other clients unaffected")
for h in held:
    h.close()
time.sleep(0.3)
r = curl("--interface", "127.0.0.9", "-x", proxy, "http://web.whatsapp.com/", "-D", "-")
check(r.stdout.startswith(b"HTTP/1.1 403"), "limit released when connections close")
check(gh.stop() == 0, "clean stop")

# --- second instance: private destinations allowed; upstream refused; audit failure
tmp2 = tempfile.mkdtemp(prefix="gh-proxy-limits2-")
port2 = free_port()
config2 = write_rules(tmp2, port2, [])
audit2 = os.path.join(tmp2, "audit.jsonl")
gh2 = Gatehouse(config2, port2)
proxy2 = "127.0.0.1:%d" % port2
dead = free_port()
r = curl("-x", proxy2, "http://127.0.0.1:%d/" % dead, "-D", "-")
check(r.stdout.startswith(b"HTTP/1.1 502"), "refused upstream answers 502")
d = wait_record(audit2, lambda r: r["event"] == "decision" and r.get("port") == dead, what="refused")
check(d["reason"] == "upstream-refused" and d["action"] == "deny", "audited upstream-refused")

gh2.stop()

# --- the audit file hits RLIMIT_FSIZE (EFBIG): on_failure block -> 503
import resource  # noqa: E402


def small_files():
    hard = resource.getrlimit(resource.RLIMIT_FSIZE)[1]
    resource.setrlimit(resource.RLIMIT_FSIZE, (32 * 1024, hard))


tmp3 = tempfile.mkdtemp(prefix="gh-proxy-limits3-")
port3 = free_port()
config3 = write_rules(tmp3, port3, [])
gh3 = Gatehouse(config3, port3, preexec=small_files)
proxy3 = "127.0.0.1:%d" % port3
got503 = False
for _ in range(400):
    r = curl("-x", proxy3, "http://web.whatsapp.com/", "-D", "-")
    if r.stdout.startswith(b"HTTP/1.1 503"):
        got503 = True
        break
check(got503, "audit writer failed + on_failure block -> 503")
r = curl("-x", proxy3, "http://web.whatsapp.com/", "-D", "-")
check(r.stdout.startswith(b"HTTP/1.1 503") and b"WhatsApp" not in r.stdout, "still 503, no block page unaudited")
check(gh3.output().count("audit log unavailable") <= 3, "failure logged at most once a second")
gh3.stop(timeout=40)

# --- out of descriptors: accept backs off (no spin) and recovers
def few_fds():
    resource.setrlimit(resource.RLIMIT_NOFILE, (48, 48))


def sanitized_build():
    cache = os.path.join(os.environ.get("GH_BUILD_DIR", ""), "CMakeCache.txt")
    return os.path.exists(cache) and "GATEHOUSE_SANITIZE:BOOL=ON" in open(cache).read()


if sanitized_build():
    # UBSan's vptr check probes memory through a pipe(2); with no descriptors
    # left it reports every virtual call as invalid. Not meaningful here.
    print("note: EMFILE back-off case skipped under the sanitizer build")
    print("proxy_limits: all passed")
    sys.exit(0)

tmp4 = tempfile.mkdtemp(prefix="gh-proxy-limits4-")
port4 = free_port()
config4 = write_rules(tmp4, port4, [])
gh4 = Gatehouse(config4, port4, preexec=few_fds)
flood = []
for _ in range(80):
    try:
        flood.append(socket.create_connection(("127.0.0.1", port4), timeout=2))
    except OSError:
        break
time.sleep(1.0)
with open("/proc/%d/stat" % gh4.proc.pid) as f:
    fields = f.read().rsplit(")", 1)[1].split()
cpu0 = int(fields[11]) + int(fields[12])
time.sleep(1.0)
with open("/proc/%d/stat" % gh4.proc.pid) as f:
    fields = f.read().rsplit(")", 1)[1].split()
cpu1 = int(fields[11]) + int(fields[12])
print("info: CPU ticks in 1 s at EMFILE: %d (of %d per second)" % (cpu1 - cpu0, os.sysconf("SC_CLK_TCK")))
check(gh4.proc.poll() is None, "still running when out of descriptors")
check("backing off" in gh4.output(), "EMFILE logged with back-off")
for c in flood:
    c.close()
ok4 = False
for _ in range(20):  # bounded: back-off is at most 1 s, sessions end at header_timeout
    time.sleep(0.5)
    r = curl("-x", "127.0.0.1:%d" % port4, "http://web.whatsapp.com/", "-D", "-", timeout=5)
    if r.stdout.startswith(b"HTTP/1.1 403"):
        ok4 = True
        break
check(ok4, "serves again once descriptors are free (last: %r %r)" % (r.stdout[:40], r.stderr[-200:]))
gh4.stop(timeout=40)
print("proxy_limits: all passed")
