"""Issue 10 class 8 as it was found: a transparent listener whose original
destination is gatehouse's own listener. With the guard off, gatehouse
connected to itself (the attack pass saw 512 nested connections). Now the
destination is recognised as one of its own listening endpoints - here a
wildcard listener (0.0.0.0:3130) reached through the gateway's own address -
and refused, reason `loop-detected`.

Two network namespaces joined by a veth (client 10.98.1.2, gateway
10.98.1.1); nftables in the gateway redirects what the client sends to
10.98.1.1:3130 onto the listener itself, so SO_ORIGINAL_DST names the
listener. Nothing leaves the machine. Exit 77 where namespaces cannot be
created."""
import atexit
import os
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from proxy_lib.harness import BIN, audit_records, check, fail, free_port, wait_record, write_rules  # noqa: E402

tag = "%d" % (os.getpid() % 100000)
NS = {"c": "ghlc" + tag, "g": "ghlg" + tag}
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
sh("ip", "netns", "add", NS["g"])
sh("ip", "link", "add", "c0", "netns", NS["c"], "type", "veth", "peer", "name", "g0", "netns", NS["g"])
for ns, dev, v4 in (("c", "c0", "10.98.1.2/24"), ("g", "g0", "10.98.1.1/24")):
    sh("ip", "addr", "add", v4, "dev", dev, ns=ns)
    sh("ip", "link", "set", dev, "up", ns=ns)
    sh("ip", "link", "set", "lo", "up", ns=ns)
nft = """table inet ghloop {
  chain prerouting {
    type nat hook prerouting priority dstnat;
    iifname "g0" tcp dport 3130 redirect to :3130
  }
}
"""
p = subprocess.run(["ip", "netns", "exec", NS["g"], "nft", "-f", "-"], input=nft.encode(), capture_output=True)
if p.returncode != 0:
    fail("nft: " + p.stderr.decode())

tmp = tempfile.mkdtemp(prefix="gh-guard-loop-transparent-")
fwd = free_port()
# The guard is off (the harness default), as in the attack pass.
config = write_rules(tmp, fwd, [], clients=["10.98.1.2/32"],
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
out = log.read()
if out.count("listening on") < 2:
    fail("gatehouse did not start in the gateway namespace:\n" + out)

r = sh("curl", "-sS", "--max-time", "15", "-D", "-", "-H", "Host: allowed.example", "http://10.98.1.1:3130/loop",
       ns="c", check_rc=False, timeout=25)
check(r.stdout.startswith(b"HTTP/1.1 403"), "request whose original destination is our listener: 403 (%r)"
      % r.stdout[:40])
d = wait_record(audit, lambda r: r["event"] == "decision" and r.get("host") == "allowed.example",
                what="loop decision")
check(d["action"] == "deny" and d["reason"] == "loop-detected" and d["listener"] == "transparent-http",
      "audited loop-detected on the transparent listener")
time.sleep(0.5)
decisions = [r for r in audit_records(audit) if r["event"] == "decision"]
check(len(decisions) == 1, "one decision: no nested connection reached gatehouse (%d)" % len(decisions))

gh.terminate()
check(gh.wait(timeout=40) == 0, "gatehouse in the namespace stops cleanly")
print("PASS")
