"""A reload drops verified Basic credentials at once (README "Identity", "Reload
drops verified credentials"; issue 13).

Story: alice and bob sign in with Basic against an htpasswd file; alice keeps a
keep-alive connection open, so her later requests are known by the
connection's proven credentials and other connections find them in the cache.
Then the operator changes alice's password and removes bob, and reloads:
 1. by SIGHUP: on the very connection that proved it, alice's old password
    now gets 407 auth-failed, as on a new connection; the new one works; bob
    gets 407;
 2. by the file watch alone (the htpasswd file is replaced, no signal): the
    same, with a third password;
 3. by SIGHUP with no file changed: nothing is refused, but the next request
    is verified against the file again (ok-basic counts it), the way to make
    a change in an LDAP directory count before cache_ttl;
 4. a reload that moves alice to another department (departments.yaml
    users:) applies to her next request on the same connection;
 5. a reload of an unrelated file keeps the credentials (no re-verification)."""
import base64
import http.client
import os
import re
import signal
import sys
import tempfile
import time
import urllib.request
import warnings

import yaml

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from proxy_lib.harness import (Gatehouse, check, fail, free_port, start_origin,  # noqa: E402
                               wait_record, write_rules)

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    import crypt  # noqa: E402  (libxcrypt, as gatehouse uses it)

origin, oport = start_origin("127.0.0.1")
d = tempfile.mkdtemp(prefix="gh-auth-reload-")
port = free_port()
admin_port = free_port()
cfg_path = write_rules(d, port, [oport], clients=["127.0.0.0/8"])
rules = os.path.dirname(cfg_path)
htpasswd = os.path.join(rules, "users.htpasswd")
url = "http://127.0.0.1:%d/hello" % oport
audit = os.path.join(d, "audit.jsonl")


def write_htpasswd(entries):
    tmp = htpasswd + ".new"
    with open(tmp, "w") as f:
        for user, pw in entries.items():
            f.write("%s:%s\n" % (user, crypt.crypt(pw, "$6$reloadtest$")))
    os.replace(tmp, htpasswd)  # as an editor saves: a rename over the old file


def set_department(dep_id):
    path = os.path.join(rules, "departments.yaml")
    with open(path) as f:
        deps = yaml.safe_load(f)
    for dep in deps["departments"]:
        dep.pop("users", None)
        if dep["id"] == dep_id:
            dep["users"] = ["alice"]
    with open(path + ".new", "w") as f:
        yaml.safe_dump(deps, f, sort_keys=False)
    os.replace(path + ".new", path)


write_htpasswd({"alice": "Pw-one-1182a", "bob": "Pw-bob-5531b"})
set_department("finance-demo")
with open(cfg_path) as f:
    cfg = yaml.safe_load(f)
cfg["admin"] = {"address": "127.0.0.1:%d" % admin_port}
cfg["auth"] = {"schemes": ["basic"], "basic": {"htpasswd": "users.htpasswd"}, "cache_ttl": "10m"}
with open(cfg_path, "w") as f:
    yaml.safe_dump(cfg, f, sort_keys=False)

gh = Gatehouse(cfg_path, port)


def metric(name, **labels):
    text = urllib.request.urlopen("http://127.0.0.1:%d/metrics" % admin_port, timeout=10).read().decode()
    want = name + ("{" + ",".join('%s="%s"' % kv for kv in labels.items()) + "}" if labels else "")
    for line in text.splitlines():
        if line.startswith(want + " "):
            return int(float(line.split()[-1]))
    return 0


def wait_reloads(n, timeout=15):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if metric("gatehouse_reloads_total", result="ok") >= n:
            time.sleep(0.3)  # a second reload of the same change may follow (watch + signal)
            return
        time.sleep(0.05)
    fail("no reload %d:\n%s" % (n, gh.output()[-2000:]))


def header(user, pw):
    return "Basic " + base64.b64encode(("%s:%s" % (user, pw)).encode()).decode()


class Client:
    """One keep-alive connection to the proxy; says if it was ever replaced."""

    def __init__(self):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        self.conn.connect()
        self.sock = self.conn.sock

    def get(self, user, pw, path="/hello"):
        self.conn.request("GET", "http://127.0.0.1:%d%s" % (oport, path),
                          headers={"Proxy-Authorization": header(user, pw)})
        r = self.conn.getresponse()
        r.read()
        if self.conn.sock is not self.sock:
            fail("the keep-alive connection was replaced")
        return r.status


def once(user, pw):
    c = Client()
    st = c.get(user, pw)
    c.conn.close()
    return st


kept = Client()
check(kept.get("alice", "Pw-one-1182a") == 200, "alice: 200")
check(kept.get("alice", "Pw-one-1182a") == 200, "alice again on her connection: 200")
check(once("alice", "Pw-one-1182a") == 200 and once("bob", "Pw-bob-5531b") == 200,
      "alice and bob on new connections: 200")
check(metric("gatehouse_auth_total", outcome="ok-basic") == 2, "two verifications by the file")
check(metric("gatehouse_auth_total", outcome="ok-cached") == 2, "the rest known without the file")
r = wait_record(audit, lambda r: r.get("user") == "alice" and r.get("event") == "decision")
check(r["department"] == "finance-demo", "alice's department by users:")

# 1. SIGHUP after the password changed and bob was removed.
reloads = metric("gatehouse_reloads_total", result="ok")
write_htpasswd({"alice": "Pw-two-2291c"})
gh.proc.send_signal(signal.SIGHUP)
wait_reloads(reloads + 1)
check(kept.get("alice", "Pw-one-1182a") == 407, "after SIGHUP: the old password on the kept connection: 407")
check(once("alice", "Pw-one-1182a") == 407, "the old password on a new connection: 407")
check(once("bob", "Pw-bob-5531b") == 407, "the removed user: 407")
check(kept.get("alice", "Pw-two-2291c") == 200, "the new password: 200, on the same connection")
wait_record(audit, lambda r: r.get("reason") == "auth-failed" and r.get("status") == 407)

# 2. The file watch alone: the htpasswd file is replaced, no signal.
reloads = metric("gatehouse_reloads_total", result="ok")
write_htpasswd({"alice": "Pw-three-3307d"})
wait_reloads(reloads + 1)
check(kept.get("alice", "Pw-two-2291c") == 407, "after a watched change: the previous password: 407")
check(kept.get("alice", "Pw-three-3307d") == 200, "the third password: 200")
check(kept.get("alice", "Pw-three-3307d") == 200, "and again, from the connection")

# 3. SIGHUP with nothing changed: verified again by the file, not refused.
verified = metric("gatehouse_auth_total", outcome="ok-basic")
reloads = metric("gatehouse_reloads_total", result="ok")
gh.proc.send_signal(signal.SIGHUP)
wait_reloads(reloads + 1)
check(kept.get("alice", "Pw-three-3307d") == 200, "after a plain SIGHUP: 200")
check(metric("gatehouse_auth_total", outcome="ok-basic") == verified + 1,
      "after a plain SIGHUP the credentials were verified by the file again")

# 4. alice moves to another department: her next request on the same connection.
reloads = metric("gatehouse_reloads_total", result="ok")
set_department("immigration-demo")
wait_reloads(reloads + 1)
check(kept.get("alice", "Pw-three-3307d", "/hello?moved") == 200, "alice after the move: 200")
r = wait_record(audit, lambda r: r.get("user") == "alice" and (r.get("url") or "").endswith("?moved"))
check(r["department"] == "immigration-demo", "her department follows the reload")

# 5. A reload for a file auth does not read keeps what was verified.
verified = metric("gatehouse_auth_total", outcome="ok-basic")
reloads = metric("gatehouse_reloads_total", result="ok")
with open(os.path.join(rules, "categories", "test-chat.yaml"), "a") as f:
    f.write("# touched\n")
wait_reloads(reloads + 1)
check(kept.get("alice", "Pw-three-3307d") == 200 and once("alice", "Pw-three-3307d") == 200,
      "after an unrelated reload: 200")
check(metric("gatehouse_auth_total", outcome="ok-basic") == verified,
      "an unrelated reload does not send users back to the file")

kept.conn.close()
out = gh.output()
for pw in ("Pw-one-1182a", "Pw-two-2291c", "Pw-three-3307d", "Pw-bob-5531b"):
    if pw in out or pw in open(audit).read():
        fail("a password appears in gatehouse's output or audit log")
check(gh.stop() == 0, "gatehouse stops cleanly")
check(not re.search(r"\berror\b.*auth", out), "no auth errors logged")
print("PASS")
