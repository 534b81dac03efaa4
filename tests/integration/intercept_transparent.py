"""HTTPS block pages and inspected flows on a transparent-tls listener (README
"HTTPS interception"): a client in its own network namespace connects to
web.whatsapp.com:443 (an address behind the gateway); nftables in the gateway
namespace redirects it to gatehouse, which classifies the SNI, completes the
handshake with a minted leaf and answers the block page. No origin exists for
it: a blocked flow is never connected to. An allowed name selected by
`inspect` is decrypted: gatehouse opens TLS to the original destination (an
origin in the gateway namespace, verified against `upstream_ca`), sets the
header rule's header and records each request. Private test addresses live
only inside the namespaces made here. Exit 77 where namespaces cannot be
created."""
import atexit
import os
import subprocess
import sys
import tempfile
import time

import yaml

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from proxy_lib.harness import BIN, audit_records, check, fail, free_port, wait_record, write_rules  # noqa: E402

tag = "%d" % (os.getpid() % 100000)
NS = {"c": "ghic" + tag, "g": "ghig" + tag}
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
sh("ip", "addr", "add", "10.98.1.2/24", "dev", "c0", ns="c")
sh("ip", "addr", "add", "10.98.1.1/24", "dev", "g0", ns="g")
for ns, dev in (("c", "c0"), ("g", "g0"), ("c", "lo"), ("g", "lo")):
    sh("ip", "link", "set", dev, "up", ns=ns)
sh("ip", "route", "add", "default", "via", "10.98.1.1", ns="c")
sh("ip", "addr", "add", "10.98.3.8/32", "dev", "lo", ns="g")  # the inspected origin's address
nft = """table inet ghitest {
  chain prerouting {
    type nat hook prerouting priority dstnat;
    iifname "g0" tcp dport 443 redirect to :3129
  }
}
"""
p = subprocess.run(["ip", "netns", "exec", NS["g"], "nft", "-f", "-"], input=nft.encode(), capture_output=True)
if p.returncode != 0:
    fail("nft: " + p.stderr.decode())

tmp = tempfile.mkdtemp(prefix="gh-intercept-transparent-")
subprocess.run([BIN, "ca", "init", "--out", os.path.join(tmp, "ca"), "--days", "2"], check=True,
               capture_output=True)
ca_pem = os.path.join(tmp, "ca", "ca.pem")
fwd = free_port()
config = write_rules(tmp, fwd, [], clients=["10.98.1.2/32"],
                     listen=[{"address": "127.0.0.1:%d" % fwd, "mode": "forward"},
                             {"address": "0.0.0.0:3129", "mode": "transparent-tls"}])
with open(config) as f:
    cfg = yaml.safe_load(f)
INSPECTED = "inspect.example.org"
origin_crt, origin_key = os.path.join(tmp, "origin.crt"), os.path.join(tmp, "origin.key")
subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                "-keyout", origin_key, "-out", origin_crt, "-days", "2", "-subj", "/CN=" + INSPECTED,
                "-addext", "subjectAltName=DNS:" + INSPECTED], check=True, capture_output=True)
cfg["tls_intercept"] = {"ca_cert": ca_pem, "ca_key": os.path.join(tmp, "ca", "ca.key"),
                        "upstream_ca": origin_crt, "inspect": [INSPECTED]}
cfg["policy"]["headers"] = [{"domains": [INSPECTED], "set": {"X-GoogApps-Allowed-Domains": "example.gov"}}]
with open(config, "w") as f:
    yaml.safe_dump(cfg, f, sort_keys=False)
audit = os.path.join(tmp, "audit.jsonl")
log = open(os.path.join(tmp, "gatehouse.log"), "w+")
gh = subprocess.Popen(["ip", "netns", "exec", NS["g"], BIN, "serve", "--config", config], stdout=log,
                      stderr=subprocess.STDOUT)
procs.append(gh)
deadline = time.time() + 30
while time.time() < deadline and gh.poll() is None:
    log.seek(0)
    if log.read().count("listening on") >= 2:
        break
    time.sleep(0.1)
log.seek(0)
out = log.read()
if out.count("listening on") < 2:
    fail("gatehouse did not start in the gateway namespace:\n" + out)

# 10.98.2.7 stands for web.whatsapp.com's address: the redirect catches it.
r = sh("curl", "-sS", "--max-time", "15", "--cacert", ca_pem, "--resolve", "web.whatsapp.com:443:10.98.2.7",
       "-D", "-", "https://web.whatsapp.com/chat", ns="c", check_rc=False, timeout=25)
text = r.stdout.decode(errors="replace")
check(r.returncode == 0, "transparent: curl trusts the minted leaf (%s)" % r.stderr.decode(errors="replace").strip())
check(text.startswith("HTTP/1.1 403") and "WhatsApp Web" in text, "transparent: the block page over TLS")
inner = wait_record(audit, lambda x: x.get("url") == "https://web.whatsapp.com/chat", what="inner record")
check(inner["intercepted"] is True and inner["status"] == 403 and inner["listener"] == "transparent-tls",
      "transparent: inner record intercepted, 403")
check(inner["id"] in text, "transparent: the page names the inner record")
flow = [x for x in audit_records(audit) if x["event"] == "decision" and x.get("sni") == "web.whatsapp.com"]
check(flow and flow[0]["intercepted"] is True and flow[0]["action"] == "block"
      and flow[0]["dest"] == "10.98.2.7:443", "transparent: the flow record keeps block, intercepted, dest")

# Without the CA the client refuses the leaf: a tls-handshake-failed close record.
r = sh("curl", "-sS", "--max-time", "15", "--resolve", "web.whatsapp.com:443:10.98.2.7",
       "https://web.whatsapp.com/", ns="c", check_rc=False, timeout=25)
check(r.returncode != 0, "transparent: an untrusting client fails the handshake")
wait_record(audit, lambda x: x["event"] == "close" and x["reason"] == "tls-handshake-failed",
            what="tls-handshake-failed")
# An inspected flow to the original destination, an origin in the gateway namespace.
origin_py = os.path.join(tmp, "origin.py")
with open(origin_py, "w") as f:
    f.write("import sys, time\nsys.path.insert(0, %r)\n" % os.path.dirname(os.path.abspath(__file__)) +
            "from proxy_lib.harness import start_tls_origin\n"
            "start_tls_origin(%r, host='10.98.3.8', port=443, cert=(%r, %r))\n" % (tmp, origin_crt, origin_key) +
            "print('ready', flush=True)\ntime.sleep(120)\n")
origin = subprocess.Popen(["ip", "netns", "exec", NS["g"], sys.executable, origin_py], stdout=subprocess.PIPE)
procs.append(origin)
check(origin.stdout.readline().strip() == b"ready", "origin started in the gateway namespace")
url = "https://%s/header-list?t=1" % INSPECTED
r = sh("curl", "-sS", "--max-time", "15", "--cacert", ca_pem, "--resolve", "%s:443:10.98.3.8" % INSPECTED,
       "-H", "X-GoogApps-Allowed-Domains: gmail.com", url, ns="c", check_rc=False, timeout=25)
check(r.returncode == 0, "transparent inspect: curl gets the origin's answer (%s)" % r.stderr.decode().strip())
fields = __import__("json").loads(r.stdout)
check([v for k, v in fields if k == "x-googapps-allowed-domains"] == ["example.gov"],
      "transparent inspect: the header rule replaced the client's value")
inner = wait_record(audit, lambda x: x.get("url") == url, what="inspected request record")
check(inner["intercepted"] is True and inner["action"] == "allow" and inner["listener"] == "transparent-tls"
      and inner["dest"] == "10.98.3.8:443", "transparent inspect: request on record, decrypted: %r" % inner)
check(gh.poll() is None, "gatehouse still running")
gh.terminate()
gh.wait(timeout=30)
print("ok: intercept transparent")
