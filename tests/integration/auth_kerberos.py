"""Proxy authentication with Negotiate (Kerberos via GSSAPI) against a real
MIT KDC on loopback (README "Identity"; issue 13).

Story: a realm is made per run in a temp dir (kdb5_util create -s), with a
user alice and the proxy's service principal HTTP/localhost whose key goes
into a keytab (kadmin.local). krb5kdc runs in the foreground on a free port;
alice gets a ticket with kinit; curl --proxy-negotiate talks to gatehouse,
which accepts the token with gss_accept_sec_context. The record's user is
the principal alice@GH.TEST, her department comes from the groups file. Two
requests on one connection cost one exchange. The same token replayed on a
new connection, and a token that is not SPNEGO, get 407 auth-failed."""
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request

import yaml

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from proxy_lib.harness import (Gatehouse, check, curl, fail, free_port, raw,  # noqa: E402
                               start_origin, wait_record, write_rules, _procs)
from proxy_lib.krb5_realm import write_realm_config  # noqa: E402

for tool in ("krb5kdc", "kdb5_util", "kadmin.local", "kinit"):
    if not shutil.which(tool) and not os.path.exists("/usr/sbin/" + tool):
        print("SKIP: %s is not installed (tests/run.sh installs it)" % tool)
        sys.exit(77)


def tool(name):
    return shutil.which(name) or "/usr/sbin/" + name


REALM = "GH.TEST"
d = tempfile.mkdtemp(prefix="gh-auth-krb-")
kport = free_port()
env = dict(os.environ)
env.update(write_realm_config(d, REALM, kport))


def run(*cmd, stdin=None):
    r = subprocess.run(list(cmd), env=env, input=stdin, capture_output=True, text=True, timeout=60)
    if r.returncode != 0:
        fail("%s: %s %s" % (" ".join(cmd), r.stdout, r.stderr))
    return r


run(tool("kdb5_util"), "-r", REALM, "create", "-s", "-P", "master-pw-for-test")
run(tool("kadmin.local"), "-r", REALM, "-q", "addprinc -pw Krb-alice-3318k alice")
run(tool("kadmin.local"), "-r", REALM, "-q", "addprinc -randkey HTTP/localhost")
keytab = os.path.join(d, "http.keytab")
run(tool("kadmin.local"), "-r", REALM, "-q", "ktadd -k %s HTTP/localhost" % keytab)
kdc = subprocess.Popen([tool("krb5kdc"), "-n", "-r", REALM], env=env, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
_procs.append(kdc)
ok = False
for _ in range(100):
    r = subprocess.run([tool("kinit"), "alice@" + REALM], env=env, input="Krb-alice-3318k\n",
                       capture_output=True, text=True, timeout=30)
    if r.returncode == 0:
        ok = True
        break
    time.sleep(0.1)
check(ok, "KDC up, alice has a ticket")

origin, oport = start_origin("127.0.0.1")
port = free_port()
admin_port = free_port()
cfg_path = write_rules(d, port, [], clients=["127.0.0.0/8"])
rules = os.path.dirname(cfg_path)
with open(os.path.join(rules, "groups.yaml"), "w") as f:
    f.write("alice@%s: [imm-staff]\n" % REALM)
with open(os.path.join(rules, "departments.yaml")) as f:
    deps = yaml.safe_load(f)
for dep in deps["departments"]:
    if dep["id"] == "immigration-demo":
        dep["groups"] = ["imm-staff"]
with open(os.path.join(rules, "departments.yaml"), "w") as f:
    yaml.safe_dump(deps, f, sort_keys=False)
with open(cfg_path) as f:
    cfg = yaml.safe_load(f)
cfg["admin"] = {"address": "127.0.0.1:%d" % admin_port}
cfg["auth"] = {"schemes": ["negotiate"], "negotiate": {"keytab": keytab},
               "groups": {"file": "groups.yaml"}}
with open(cfg_path, "w") as f:
    yaml.safe_dump(cfg, f, sort_keys=False)
audit = os.path.join(d, "audit.jsonl")
gh = Gatehouse(cfg_path, port, env={k: env[k] for k in ("KRB5_CONFIG", "KRB5RCACHEDIR", "KRB5RCACHENAME")})
proxy = "localhost:%d" % port
url = "http://127.0.0.1:%d/hello" % oport


def kcurl(*args):
    cmd = ["curl", "-sS", "--max-time", "30", "-4", "--proxy-negotiate", "-U", ":", "-x", proxy] + list(args)
    return subprocess.run(cmd, env=env, capture_output=True, timeout=40)


res = kcurl("-o", "/dev/null", "-w", "%{http_code}", url)
check(res.stdout.decode().strip() == "200", "curl --proxy-negotiate: 200 (%s)" % res.stderr.decode()[-200:])
r = wait_record(audit, lambda r: r.get("user") == "alice@" + REALM)
check(r["department"] == "immigration-demo", "the principal's department from the groups file")

# Two requests on one connection: one GSSAPI exchange.
res = kcurl("-v", "-o", "/dev/null", "-o", "/dev/null", url, url + "?2")
err = res.stderr.decode(errors="replace")
check(err.count("Re-using existing connection") >= 1 or err.count("Connected to") == 1,
      "curl kept one connection for two requests")
metrics = urllib.request.urlopen("http://127.0.0.1:%d/metrics" % admin_port, timeout=10).read().decode()
m = re.search(r'gatehouse_auth_total\{outcome="ok-negotiate"\} (\d+)', metrics)
check(m and int(m.group(1)) == 2, "two connections, two exchanges (not one per request)")

# Replaying a captured token on a new connection: refused.
tok = re.search(r"Proxy-Authorization: Negotiate (\S+)", err)
if not tok:
    fail("no Negotiate token in curl's verbose output")
resp = raw(port, b"GET %s HTTP/1.1\r\nHost: x\r\nProxy-Authorization: Negotiate %s\r\nConnection: close\r\n\r\n"
           % (url.encode(), tok.group(1).encode()), src="127.0.7.1")
check(resp.startswith(b"HTTP/1.1 407"), "a replayed Negotiate token: 407")
wait_record(audit, lambda r: r.get("client", "").startswith("127.0.7.1:") and r.get("reason") == "auth-failed")

resp = raw(port, b"GET %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n" % url.encode(), src="127.0.7.2")
check(resp.startswith(b"HTTP/1.1 407") and b"Proxy-Authenticate: Negotiate\r\n" in resp,
      "no credentials: 407 with the Negotiate challenge")
check(gh.proc.poll() is None, "gatehouse still running")
gh.stop()
kdc.terminate()
kdc.wait(timeout=10)
print("PASS")
