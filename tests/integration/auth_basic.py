"""Proxy authentication with Basic against an htpasswd file, groups from a
YAML file (README "Identity"; README "Identity: who is asking", issue 13).

Story: alice (group fin-staff) is in the finance demo department wherever
she sits, and an approval names her; bob is in no group and sits on no
department's network. Without credentials a request gets 407 with the
Basic challenge, audited `auth-required`; wrong or malformed credentials get
407 `auth-failed`; more than 10 failures from one address get 429
`auth-throttled` even with the right password; an exempt network is never
asked. CONNECT is asked before its decision. Malformed Proxy-Authorization
values (bad base64, no colon, empty user, NUL, LDAP metacharacters, a 64 KiB
token, a Negotiate token that is not SPNEGO) each get 407 and a record, never
a crash. No password, in clear or in base64, appears in anything gatehouse
wrote: its output, the audit log, /metrics."""
import base64
import json
import os
import subprocess
import sys
import tempfile
import urllib.request
import warnings

import yaml

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from proxy_lib.harness import (BIN, Gatehouse, audit_records, check, curl, fail, free_port, raw,  # noqa: E402
                               start_origin, wait_record, write_rules)

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    import crypt  # noqa: E402  (libxcrypt, as gatehouse uses it)

PASSWORDS = {"alice": "Pw-alice-7731x", "bob": "Pw-bob-99120y"}

origin, oport = start_origin("127.0.0.1")
chat, chat_port = start_origin("127.0.0.2")
d = tempfile.mkdtemp(prefix="gh-auth-basic-")
port = free_port()
admin_port = free_port()
cfg_path = write_rules(d, port, [oport], clients=["127.0.0.0/8"],
                       limits={"max_header_bytes": "128KiB"})
rules = os.path.dirname(cfg_path)
with open(os.path.join(rules, "users.htpasswd"), "w") as f:
    f.write("alice:%s\n" % crypt.crypt(PASSWORDS["alice"], "$2b$05$abcdefghijklmnopqrstuu"))
    f.write("bob:%s\n" % crypt.crypt(PASSWORDS["bob"], "$6$gatehousetest$"))
with open(os.path.join(rules, "groups.yaml"), "w") as f:
    f.write("alice: [fin-staff]\nbob: []\n")
with open(os.path.join(rules, "departments.yaml")) as f:
    deps = yaml.safe_load(f)
for dep in deps["departments"]:
    if dep["id"] == "finance-demo":
        dep["groups"] = ["fin-staff"]
with open(os.path.join(rules, "departments.yaml"), "w") as f:
    yaml.safe_dump(deps, f, sort_keys=False)
with open(os.path.join(rules, "approvals.yaml"), "a") as f:
    f.write("""  - id: FIN-ALICE
    department: finance-demo
    app: loopback-chat
    approved_by: Director of Finance
    reason: "alice only"
    granted: 2020-01-01
    expires: 2099-12-31
    users: [alice]
""")
with open(cfg_path) as f:
    cfg = yaml.safe_load(f)
cfg["admin"] = {"address": "127.0.0.1:%d" % admin_port}
cfg["auth"] = {"schemes": ["basic"], "realm": "Test gateway", "exempt": ["127.0.3.0/24"],
               "basic": {"htpasswd": "users.htpasswd"}, "groups": {"file": "groups.yaml"},
               "cache_ttl": "5m", "on_backend_failure": "block"}
with open(cfg_path, "w") as f:
    yaml.safe_dump(cfg, f, sort_keys=False)
audit = os.path.join(d, "audit.jsonl")

chk = subprocess.run([BIN, "check", "--config", cfg_path],
                     capture_output=True, text=True)
check(chk.returncode == 0, "check accepts the auth config: " + chk.stdout + chk.stderr)

gh = Gatehouse(cfg_path, port)
proxy = "127.0.0.1:%d" % port
url = "http://127.0.0.1:%d/hello" % oport
chat_url = "http://127.0.0.2:%d/chat" % chat_port


def status_of(res):
    out = res.stdout.decode(errors="replace").strip()
    return out[-3:]


def get(user=None, target=url, extra=()):
    args = ["-o", "/dev/null", "-w", "%{http_code}", "-x", proxy] + list(extra)
    if user:
        args += ["--proxy-user", "%s:%s" % (user, PASSWORDS.get(user, "nope"))]
    return status_of(curl(*(args + [target])))


def head_of(resp):
    return resp.split(b"\r\n\r\n", 1)[0].decode(errors="replace")


# 1. No credentials: 407 with the Basic challenge, on record.
resp = raw(port, b"GET %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n" % url.encode())
check(resp.startswith(b"HTTP/1.1 407 "), "no credentials: 407")
check('Proxy-Authenticate: Basic realm="Test gateway", charset="UTF-8"' in head_of(resp),
      "the Basic challenge names the realm")
r = wait_record(audit, lambda r: r.get("reason") == "auth-required" and r.get("status") == 407)
check(r["action"] == "deny" and r["user"] is None and r["url"] == url,
      "auth-required record: deny, no user, the URL asked for")

# 2. alice: allowed, her department by group, her approval.
check(get("alice") == "200", "alice with the right password: 200")
r = wait_record(audit, lambda r: r.get("user") == "alice" and r.get("url") == url)
check(r["department"] == "finance-demo", "alice's department comes from her group")
check(get("alice", chat_url) == "200", "alice: the approval naming her applies")
r = wait_record(audit, lambda r: r.get("user") == "alice" and r.get("app") == "loopback-chat")
check(r["reason"] == "approved" and r["approval"] == "FIN-ALICE", "approved FIN-ALICE for alice")

# 3. bob: authenticated, no department, the approval does not name him.
check(get("bob", chat_url) == "403", "bob: blocked category, the approval is not his")
r = wait_record(audit, lambda r: r.get("user") == "bob" and r.get("app") == "loopback-chat")
check(r["reason"] == "category-blocked" and r["department"] is None, "bob: category-blocked")

# 4. A wrong password: 407 auth-failed.
res = curl("-o", "/dev/null", "-w", "%{http_code}", "-x", proxy, "--proxy-user", "alice:wrong-pass-1",
           url)
check(status_of(res) == "407", "a wrong password: 407")
wait_record(audit, lambda r: r.get("reason") == "auth-failed" and r.get("status") == 407)

# 5. CONNECT is authenticated before its decision.
res = curl("-o", "/dev/null", "-w", "%{http_connect}", "-p", "-x", proxy, url)
check(res.stdout.decode().strip() == "407", "CONNECT without credentials: 407")
wait_record(audit, lambda r: r.get("method") == "CONNECT" and r.get("reason") == "auth-required")
res = curl("-o", "/dev/null", "-w", "%{http_connect}", "-p", "-x", proxy, "--proxy-user",
           "alice:" + PASSWORDS["alice"], url)
check(res.stdout.decode().strip() == "200", "CONNECT with alice's credentials: tunnel and 200")
wait_record(audit, lambda r: r.get("method") == "CONNECT" and r.get("user") == "alice"
            and r.get("event") == "decision")

# 6. 407 keeps the connection: the retry with credentials rides on it.
tok = base64.b64encode(b"alice:" + PASSWORDS["alice"].encode())
two = raw(port, b"GET %s HTTP/1.1\r\nHost: x\r\n\r\n"
          b"GET %s HTTP/1.1\r\nHost: x\r\nProxy-Authorization: Basic %s\r\nConnection: close\r\n\r\n"
          % (url.encode(), url.encode(), tok))
check(two.startswith(b"HTTP/1.1 407") and b"HTTP/1.1 200" in two,
      "407 then 200 on one keep-alive connection")

# 7. Bad input, each from its own address (failures are throttled per address).
b64 = lambda s: base64.b64encode(s).decode()  # noqa: E731
bad = [
    ("bad base64", "Basic !!notbase64!!"),
    ("base64 not padded", "Basic YWxpY2U6eA"),
    ("no colon", "Basic " + b64(b"alice")),
    ("empty user", "Basic " + b64(b":" + PASSWORDS["alice"].encode())),
    ("NUL in the user", "Basic " + b64(b"ali\x00ce:" + PASSWORDS["alice"].encode())),
    ("LDAP metacharacters", "Basic " + b64(b"*)(uid=*:x")),
    # Over our caps (Basic 1 KiB, Negotiate 16 KiB). A 64 KiB header field is
    # closed without an answer by the request-head reader, before any auth.
    ("20 KiB Basic token", "Basic " + "A" * 20480),
    ("20 KiB Negotiate token", "Negotiate " + "A" * 20480),
    ("not SPNEGO", "Negotiate " + b64(b"NTLMSSP\x00\x01\x00\x00\x00\x07\x82\x08\xa2")),
    ("unknown scheme", "Digest username=\"alice\""),
]
for i, (what, value) in enumerate(bad):
    src = "127.0.1.%d" % (i + 1)
    resp = raw(port, b"GET %s HTTP/1.1\r\nHost: x\r\nProxy-Authorization: %s\r\nConnection: close\r\n\r\n"
               % (url.encode(), value.encode()), src=src)
    check(resp.startswith(b"HTTP/1.1 407 "), "%s: 407 (got %r)" % (what, resp[:40]))
    wait_record(audit, lambda r: r.get("client", "").startswith(src + ":") and r.get("reason") == "auth-failed",
                what="auth-failed record for " + what)
check(gh.proc.poll() is None, "gatehouse is still running after the bad input")

# 8. Throttle: the 11th failure within 60 s, then even the right password gets 429.
for i in range(11):
    res = curl("-o", "/dev/null", "-w", "%{http_code}", "--interface", "127.0.2.1", "-x", proxy,
               "--proxy-user", "alice:wrong-%d" % i, url)
res = curl("-o", "/dev/null", "-w", "%{http_code}", "-D", "-", "--interface", "127.0.2.1", "-x", proxy,
           "--proxy-user", "alice:" + PASSWORDS["alice"], url)
check(res.stdout.decode().endswith("429") and "Retry-After: 60" in res.stdout.decode(),
      "throttled: 429 with the right password, Retry-After")
wait_record(audit, lambda r: r.get("reason") == "auth-throttled" and r.get("status") == 429)
check(get("alice", url, ["--interface", "127.0.2.2"]) == "200", "another address is not throttled")

# 9. An exempt network is never asked: department by network, no user.
check(status_of(curl("-o", "/dev/null", "-w", "%{http_code}", "--interface", "127.0.3.7", "-x",
                     proxy, url)) == "200", "exempt client without credentials: 200")
r = wait_record(audit, lambda r: r.get("client", "").startswith("127.0.3.7:") and r.get("event") == "decision")
check(r["user"] is None and r["reason"] == "uncategorized", "exempt: no user, ordinary reason")

# 10. The PAC file is not behind authentication.
check(status_of(curl("-o", "/dev/null", "-w", "%{http_code}", "http://%s/proxy.pac" % proxy)) == "200",
      "the PAC file needs no credentials")

# 11. Metrics by outcome.
metrics = urllib.request.urlopen("http://127.0.0.1:%d/metrics" % admin_port, timeout=10).read().decode()
for outcome in ("ok-basic", "ok-cached", "required", "failed", "throttled", "exempt"):
    line = [ln for ln in metrics.splitlines() if ln.startswith('gatehouse_auth_total{outcome="%s"}' % outcome)]
    check(line and int(line[0].split()[-1]) > 0, "metrics count outcome %s" % outcome)

# 12. No password anywhere gatehouse wrote.
gh.stop()
written = gh.output() + open(audit).read() + metrics
for user, pw in PASSWORDS.items():
    for needle in (pw, b64((user + ":" + pw).encode()), "wrong-pass-1"):
        if needle in written:
            fail("a password (%s) appears in gatehouse's output, audit log or metrics" % user)
check(True, "no password in output, audit log or metrics")
# explain --user decides as alice, with her groups from the groups file.
ex = subprocess.run([BIN, "explain", "--config", cfg_path, "--user", "alice", "--json", chat_url],
                    capture_output=True, text=True)
j = json.loads(ex.stdout)
check(j["reason"] == "approved" and j["approval"] == "FIN-ALICE" and j["groups"] == ["fin-staff"]
      and j["department"] == "finance-demo", "explain --user alice: her department and approval")
ex = subprocess.run([BIN, "explain", "--config", cfg_path, "--json", chat_url], capture_output=True, text=True)
check(json.loads(ex.stdout)["reason"] == "category-blocked", "explain without --user: blocked")
rep = subprocess.run([BIN, "audit", "report", "--by", "user", "--format", "csv", audit],
                     capture_output=True, text=True)
check(rep.returncode == 0 and "\nalice," in rep.stdout and "\nbob," in rep.stdout,
      "audit report --by user has alice and bob: " + rep.stdout[:200])

records = audit_records(audit)
check(len(records) > 20, "%d records written" % len(records))
print("PASS")
