"""Proxy authentication with Basic against a real OpenLDAP slapd on loopback,
groups from an LDAP search with a service bind (README "Identity"; issue 13).

Story: slapd is started from a generated slapd.conf in a temp dir with a
generated LDIF: users alice (group imm-staff) and bob, a service account for
gatehouse. alice's department comes from her group DN (matched by the bare
name "imm-staff" against the group's cn). A user name `*)(uid=*` is escaped
and binds as nobody. Then the directory is stopped: with on_backend_failure:
block a new credential gets 503 auth-unavailable; after a reload to network,
requests are served as exempt (user null). No password reaches anything
gatehouse wrote."""
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request

import yaml

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from proxy_lib.harness import (Gatehouse, check, curl, fail, free_port,  # noqa: E402
                               start_origin, wait_record, write_rules, _procs)

if not shutil.which("slapd") and not os.path.exists("/usr/sbin/slapd"):
    print("SKIP: slapd is not installed (tests/run.sh installs it)")
    sys.exit(77)

SLAPD = shutil.which("slapd") or "/usr/sbin/slapd"
PW = {"alice": "Ldap-alice-4471q", "bob": "Ldap-bob-5582r", "svc": "Svc-gh-6693s", "admin": "Adm-9904t"}
BASE = "dc=example,dc=gov"

d = tempfile.mkdtemp(prefix="gh-auth-ldap-")
os.makedirs(os.path.join(d, "db"))
lport = free_port()
with open(os.path.join(d, "slapd.conf"), "w") as f:
    f.write("""include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
pidfile {d}/slapd.pid
modulepath /usr/lib/ldap
moduleload back_mdb
database mdb
suffix "{base}"
rootdn "cn=admin,{base}"
rootpw {admin}
directory {d}/db
access to attrs=userPassword by anonymous auth by * none
access to * by * read
""".format(d=d, base=BASE, admin=PW["admin"]))
ldif = """dn: {b}
objectClass: dcObject
objectClass: organization
o: Example
dc: example

dn: ou=people,{b}
objectClass: organizationalUnit
ou: people

dn: ou=groups,{b}
objectClass: organizationalUnit
ou: groups

dn: ou=services,{b}
objectClass: organizationalUnit
ou: services
""".format(b=BASE)
for u in ("alice", "bob"):
    ldif += "\ndn: uid={u},ou=people,{b}\nobjectClass: inetOrgPerson\nuid: {u}\ncn: {u}\nsn: {u}\nuserPassword: {p}\n".format(
        u=u, b=BASE, p=PW[u])
ldif += "\ndn: cn=gatehouse,ou=services,{b}\nobjectClass: inetOrgPerson\ncn: gatehouse\nsn: svc\nuserPassword: {p}\n".format(
    b=BASE, p=PW["svc"])
ldif += "\ndn: cn=imm-staff,ou=groups,{b}\nobjectClass: groupOfNames\ncn: imm-staff\nmember: uid=alice,ou=people,{b}\n".format(b=BASE)
ldif += "\ndn: cn=all-staff,ou=groups,{b}\nobjectClass: groupOfNames\ncn: all-staff\nmember: uid=alice,ou=people,{b}\nmember: uid=bob,ou=people,{b}\n".format(b=BASE)
with open(os.path.join(d, "data.ldif"), "w") as f:
    f.write(ldif)
add = subprocess.run(["slapadd", "-f", os.path.join(d, "slapd.conf"), "-l", os.path.join(d, "data.ldif")],
                     capture_output=True, text=True)
if add.returncode != 0:
    fail("slapadd: " + add.stderr)

slapd = None


def start_slapd():
    global slapd
    slapd = subprocess.Popen([SLAPD, "-d", "0", "-f", os.path.join(d, "slapd.conf"),
                              "-h", "ldap://127.0.0.1:%d/" % lport], stdout=subprocess.DEVNULL,
                             stderr=open(os.path.join(d, "slapd.log"), "w"))
    _procs.append(slapd)
    for _ in range(100):
        r = subprocess.run(["ldapsearch", "-x", "-H", "ldap://127.0.0.1:%d" % lport, "-b", BASE, "-s", "base"],
                           capture_output=True)
        if r.returncode == 0:
            return
        time.sleep(0.1)
    fail("slapd did not start: " + open(os.path.join(d, "slapd.log")).read())


start_slapd()
check(True, "slapd is up on 127.0.0.1:%d" % lport)

origin, oport = start_origin("127.0.0.1")
port = free_port()
admin_port = free_port()
cfg_path = write_rules(d, port, [], clients=["127.0.0.0/8"])
rules = os.path.dirname(cfg_path)
with open(os.path.join(rules, "ldap.secret"), "w") as f:
    f.write(PW["svc"] + "\n")
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
url_ldap = "ldap://127.0.0.1:%d" % lport
cfg["auth"] = {"schemes": ["basic"], "realm": "LDAP test",
               "basic": {"ldap": {"url": url_ldap, "user_dn": "uid={user},ou=people," + BASE}},
               "groups": {"ldap": {"url": url_ldap, "bind_dn": "cn=gatehouse,ou=services," + BASE,
                                   "bind_password_file": "ldap.secret", "base": "ou=groups," + BASE,
                                   "filter": "(member={dn})"}},
               "cache_ttl": "5m", "on_backend_failure": "block"}
with open(cfg_path, "w") as f:
    yaml.safe_dump(cfg, f, sort_keys=False)
audit = os.path.join(d, "audit.jsonl")
gh = Gatehouse(cfg_path, port)
proxy = "127.0.0.1:%d" % port
url = "http://127.0.0.1:%d/hello" % oport


def code(user, pw, src="127.0.0.1"):
    res = curl("-o", "/dev/null", "-w", "%{http_code}", "--interface", src, "-x", proxy,
               "--proxy-user", "%s:%s" % (user, pw), url)
    return res.stdout.decode().strip()


check(code("alice", PW["alice"]) == "200", "alice binds: 200")
r = wait_record(audit, lambda r: r.get("user") == "alice")
check(r["department"] == "immigration-demo", "alice's department from her LDAP group (cn imm-staff)")
check(code("bob", PW["bob"]) == "200", "bob binds: 200")
r = wait_record(audit, lambda r: r.get("user") == "bob")
check(r["department"] is None, "bob: no department (his group is listed nowhere)")
check(code("alice", "wrong") == "407", "a wrong LDAP password: 407")
check(code("alice", "") == "407", "an empty password is not an anonymous bind: 407")
check(code("*)(uid=*", "x", "127.0.5.1") == "407", "`*)(uid=*` as a user name: 407")
wait_record(audit, lambda r: r.get("client", "").startswith("127.0.5.1:") and r.get("reason") == "auth-failed")
check(code("alice,ou=people", PW["alice"], "127.0.5.2") == "407", "a DN-injection user name: 407")

# The directory stops mid-run.
slapd.send_signal(signal.SIGTERM)
slapd.wait(timeout=10)
check(code("alice", PW["alice"]) == "200", "cached credentials still work with the directory down")
check(code("bob", "Not-cached-1", "127.0.6.1") == "503", "new credentials, directory down, block: 503")
wait_record(audit, lambda r: r.get("reason") == "auth-unavailable" and r.get("status") == 503)

cfg["auth"]["on_backend_failure"] = "network"
with open(cfg_path, "w") as f:
    yaml.safe_dump(cfg, f, sort_keys=False)
gh.proc.send_signal(signal.SIGHUP)
ok = False
unavailable = 1  # the 503 above, and each one answered before the reload took effect
for _ in range(100):
    answer = code("bob", "Not-cached-2", "127.0.6.2")
    if answer == "200":
        ok = True
        break
    unavailable += answer == "503"
    time.sleep(0.1)
check(ok, "on_backend_failure: network serves the request as exempt")
r = wait_record(audit, lambda r: r.get("client", "").startswith("127.0.6.2:") and r.get("reason") == "uncategorized")
check(r["user"] is None, "served by network: user null, the ordinary reason")

metrics = urllib.request.urlopen("http://127.0.0.1:%d/metrics" % admin_port, timeout=10).read().decode()
check('gatehouse_auth_total{outcome="unavailable"} %d' % unavailable in metrics,
      "metrics count the 503s (%d)" % unavailable)
gh.stop()
written = gh.output() + open(audit).read() + metrics
for who, pw in PW.items():
    if who != "admin" and pw in written:
        fail("the %s password appears in what gatehouse wrote" % who)
check(True, "no password in output, audit log or metrics")
print("PASS")
