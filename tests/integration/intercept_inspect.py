"""Inspected HTTPS flows through a forward CONNECT (README "HTTPS interception").

Story: an allowed flow named by `tls_intercept.inspect` or by a `policy.headers`
rule is decrypted: gatehouse completes the client's handshake with a minted
leaf, opens TLS to the origin verified against `upstream_ca` (here a test CA
made at run time), and relays HTTP/1.1 as on the forward listener. Every
request inside is decided on its https:// URL (the shipped WeChat `urls:`
rule fires on HTTPS now) and audited with "intercepted": true; header rules
replace whatever the client sent; bodies stream both ways; keep-alive holds.
An origin whose certificate fails verification (self-signed, expired, wrong
name, a chain missing its intermediate) gets the 502 page, `deny`,
`upstream-cert-invalid`, and is never relayed. A flow that is not selected is
spliced as before (not decrypted, "intercepted": false).

Real clients: curl with --cacert (the gatehouse CA) and a Python ssl client.
Origins: Python TLS servers on loopback with certificates made here."""
import datetime
import hashlib
import json
import os
import socket
import ssl
import subprocess
import sys
import tempfile
import urllib.request

import yaml
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from proxy_lib.harness import (BIN, Gatehouse, OriginHandler, audit_records, check, curl,  # noqa: E402
                               fail, free_port, start_tls_origin, wait_record, write_rules)

tmp = tempfile.mkdtemp(prefix="gh-inspect-")
NOW = datetime.datetime.now(datetime.timezone.utc)


def name(cn):
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def issue(subject_cn, issuer_cn, issuer_key, key, sans, not_before, not_after, ca=False):
    b = (x509.CertificateBuilder().subject_name(name(subject_cn)).issuer_name(name(issuer_cn))
         .public_key(key.public_key()).serial_number(x509.random_serial_number())
         .not_valid_before(not_before).not_valid_after(not_after)
         .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True))
    if sans:
        b = b.add_extension(x509.SubjectAlternativeName(sans), critical=False)
    return b.sign(issuer_key, hashes.SHA256())


def write_pair(stem, certs, key):
    crt, keyf = os.path.join(tmp, stem + ".crt"), os.path.join(tmp, stem + ".key")
    with open(crt, "wb") as f:
        for c in certs:
            f.write(c.public_bytes(serialization.Encoding.PEM))
    with open(keyf, "wb") as f:
        f.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                  serialization.NoEncryption()))
    os.chmod(keyf, 0o600)
    return crt, keyf


# The origins' trust anchor, an intermediate under it, and one leaf per case.
day = datetime.timedelta(days=1)
root_key, mid_key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
root = issue("origin test root", "origin test root", root_key, root_key, None, NOW - day, NOW + day, ca=True)
mid = issue("origin test intermediate", "origin test root", root_key, mid_key, None, NOW - day, NOW + day,
            ca=True)
upstream_ca = os.path.join(tmp, "upstream-ca.pem")
with open(upstream_ca, "wb") as f:
    f.write(root.public_bytes(serialization.Encoding.PEM))
HOST = "origin.example.org"  # resolved through a hosts file given to gatehouse
localhost_sans = [x509.DNSName(HOST)]


def leaf(stem, sans, not_before, not_after, chain=True, self_signed=False):
    k = ec.generate_private_key(ec.SECP256R1())
    if self_signed:
        c = issue(HOST, HOST, k, k, sans, not_before, not_after)
        return write_pair(stem, [c], k)
    c = issue(HOST, "origin test intermediate", mid_key, k, sans, not_before, not_after)
    return write_pair(stem, [c, mid] if chain else [c], k)


origins = {}
for case, args in {
        "good": (localhost_sans, NOW - day, NOW + day),
        "expired": (localhost_sans, NOW - 3 * day, NOW - 2 * day),
        "wrong-name": ([x509.DNSName("other.example")], NOW - day, NOW + day),
        "no-intermediate": (localhost_sans, NOW - day, NOW + day, False),
        "self-signed": (localhost_sans, NOW - day, NOW + day, True, True)}.items():
    srv, oport, _ = start_tls_origin(tmp, cert=leaf(case, *args))
    origins[case] = oport

# A second good origin that is not selected for inspection: spliced.
plain_srv, plain_port, _ = start_tls_origin(tmp, host="127.0.0.2", cert=leaf("plain", [x509.IPAddress(
    __import__("ipaddress").ip_address("127.0.0.2"))], NOW - day, NOW + day))

subprocess.run([BIN, "ca", "init", "--out", os.path.join(tmp, "ca"), "--name", "gatehouse inspect test CA",
                "--days", "2"], check=True, capture_output=True)
gh_ca = os.path.join(tmp, "ca", "ca.pem")
port, admin = free_port(), free_port()
config = write_rules(tmp, port, list(origins.values()) + [plain_port])
with open(config) as f:
    cfg = yaml.safe_load(f)
cfg["tls_intercept"] = {"ca_cert": gh_ca, "ca_key": os.path.join(tmp, "ca", "ca.key"),
                        "upstream_ca": upstream_ca, "inspect": [HOST]}
hosts = os.path.join(tmp, "hosts")
with open(hosts, "w") as f:
    f.write("127.0.0.1 %s\n" % HOST)
cfg["resolver"] = {"hosts_file": hosts}
cfg["policy"]["headers"] = [{"domains": [HOST],
                             "set": {"Restrict-Access-To-Tenants": "example.gov",
                                     "X-GoogApps-Allowed-Domains": "example.gov"}}]
cfg["policy"]["categories"]["test-chat"] = "allow"  # 127.0.0.2 is that app's network
cfg["admin"] = {"address": "127.0.0.1:%d" % admin}
with open(config, "w") as f:
    yaml.safe_dump(cfg, f, sort_keys=False)
audit = os.path.join(tmp, "audit.jsonl")
gh = Gatehouse(config, port)
proxy = "127.0.0.1:%d" % port
good = "https://%s:%d" % (HOST, origins["good"])


def metric(metric_name):
    with urllib.request.urlopen("http://127.0.0.1:%d/metrics" % admin, timeout=5) as r:
        for line in r.read().decode().splitlines():
            if line.startswith(metric_name + " "):
                return float(line.split()[1])
    return 0.0


def inner_records(path_part):
    return [r for r in audit_records(audit)
            if r.get("event") == "decision" and path_part in (r.get("url") or "")]


# 1. Header rules replace what the client sent; the request is on record, decrypted.
p = curl("--cacert", gh_ca, "-x", proxy, "-H", "Restrict-Access-To-Tenants: personal.example",
         "-H", "X-Other: kept", good + "/header-list?case=1")
check(p.returncode == 0, "inspected GET succeeds: %s" % p.stderr.decode())
fields = json.loads(p.stdout)
tenants = [v for k, v in fields if k == "restrict-access-to-tenants"]
check(tenants == ["example.gov"], "the header rule replaced the client's value, once: %r" % tenants)
check([v for k, v in fields if k == "x-googapps-allowed-domains"] == ["example.gov"], "second header set")
check(["x-other", "kept"] in fields, "other client headers pass")
check([v for k, v in fields if k == "host"] == ["%s:%d" % (HOST, origins["good"])], "Host is the flow's")
rec = wait_record(audit, lambda r: r.get("url") == good + "/header-list?case=1", what="inner GET record")
check(rec["intercepted"] is True and rec["action"] == "allow" and rec["method"] == "GET",
      "inner record: allow, GET, intercepted: %r" % rec)
close = wait_record(audit, lambda r: r.get("event") == "close" and r.get("ref") == rec["id"],
                    what="inner close record")
check(close["status"] == 200 and close["bytes_down"] > 0, "inner close record: 200, bytes: %r" % close)
connect = [r for r in audit_records(audit) if r.get("method") == "CONNECT" and r.get("sni") == HOST]
check(connect and connect[-1]["intercepted"] is True, "the tunnel's hello record says intercepted")

# 2. Keep-alive: two requests on one decrypted connection, one origin connection.
before = OriginHandler.connections
p = curl("--cacert", gh_ca, "-x", proxy, good + "/one", good + "/two")
check(p.returncode == 0 and b"hello from origin /one" in p.stdout and b"hello from origin /two" in p.stdout,
      "two requests on one flow: %s" % p.stderr.decode())
check(OriginHandler.connections - before == 1,
      "one origin connection for both (%d)" % (OriginHandler.connections - before))
wait_record(audit, lambda r: r.get("url") == good + "/two" and r.get("intercepted") is True, what="/two")

# 3. A URL rule fires inside HTTPS: the shipped WeChat web API path.
p = curl("--cacert", gh_ca, "-x", proxy, "-o", "/dev/null", "-w", "%{http_code}",
         good + "/cgi-bin/mmwebwx-bin/webwxinit")
check(p.stdout == b"403", "URL rule answers 403 inside the flow (%r)" % p.stdout)
rec = wait_record(audit, lambda r: "/cgi-bin/mmwebwx-bin/webwxinit" in (r.get("url") or ""), what="URL block")
check(rec["action"] == "block" and rec["reason"] == "category-blocked" and rec["intercepted"] is True
      and rec["status"] == 403, "URL-blocked record: %r" % rec)

# 4. Bodies stream both ways: a 1 MiB upload, a chunked download.
blob = os.urandom(1 << 20)
blob_path = os.path.join(tmp, "blob")
with open(blob_path, "wb") as f:
    f.write(blob)
p = curl("--cacert", gh_ca, "-x", proxy, "--data-binary", "@" + blob_path, good + "/upload")
check(p.returncode == 0, "upload: %s" % p.stderr.decode())
got = json.loads(p.stdout)
check(got["len"] == len(blob) and got["sha256"] == hashlib.sha256(blob).hexdigest(), "upload intact")
p = curl("--cacert", gh_ca, "-x", proxy, good + "/chunked")
check(p.stdout == b"".join(("part%d-" % i).encode() * 100 for i in range(5)), "chunked download intact")

# 5. Origins whose certificates fail verification: 502, deny, never relayed.
failures = metric("gatehouse_tls_intercept_upstream_verify_failures_total")
replies_502 = metric('gatehouse_local_replies_total{status="502"}')
for case in ("expired", "wrong-name", "no-intermediate", "self-signed"):
    url = "https://%s:%d/secret" % (HOST, origins[case])
    p = curl("--cacert", gh_ca, "-x", proxy, "-o", os.path.join(tmp, "page"), "-w", "%{http_code}", url)
    check(p.stdout == b"502", "%s origin: 502 (%r)" % (case, p.stdout))
    with open(os.path.join(tmp, "page"), "rb") as f:
        check(b"hello from origin" not in f.read(), "%s origin: nothing relayed" % case)
    rec = wait_record(audit, lambda r, u=url: r.get("url") == u, what="%s record" % case)
    check(rec["action"] == "deny" and rec["reason"] == "upstream-cert-invalid" and rec["status"] == 502
          and rec["intercepted"] is True, "%s record: %r" % (case, rec))
check(metric("gatehouse_tls_intercept_upstream_verify_failures_total") - failures == 4,
      "four verification failures counted")
check(metric('gatehouse_local_replies_total{status="502"}') - replies_502 == 4,
      "four 502 local replies counted")

# 6. A 1 MB header inside the decrypted flow: 431, on record, gatehouse stays up.
ctx = ssl.create_default_context(cafile=gh_ca)
with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
    s.sendall(b"CONNECT %s:%d HTTP/1.1\r\nHost: x\r\n\r\n" % (HOST.encode(), origins["good"]))
    head = b""
    while b"\r\n\r\n" not in head:
        head += s.recv(4096)
    check(head.startswith(b"HTTP/1.1 200"), "CONNECT answered 200")
    t = ctx.wrap_socket(s, server_hostname=HOST)
    try:
        t.sendall(b"GET /big HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * (1 << 20) + b"\r\n\r\n")
    except OSError:
        pass  # gatehouse may answer and close before all of it is sent
    answer = b""
    try:
        while True:
            chunk = t.recv(65536)
            if not chunk:
                break
            answer += chunk
    except (ssl.SSLError, OSError):
        pass
check(answer.startswith(b"HTTP/1.1 431"), "1 MB header: 431 (%r)" % answer[:40])
wait_record(audit, lambda r: r.get("reason") == "header-too-large" and r.get("intercepted") is True,
            what="431 record")

# 7. A flow nobody selected is spliced: the client sees the origin's own certificate.
p = curl("--cacert", upstream_ca, "-x", proxy, "https://127.0.0.2:%d/plain" % plain_port)
check(p.returncode == 0 and b"hello from origin /plain" in p.stdout,
      "not selected: spliced, the origin's certificate reaches the client: %s" % p.stderr.decode())
check(not inner_records("/plain"), "no inner record for a spliced flow")
rec = [r for r in audit_records(audit)
       if r.get("event") == "decision" and r.get("method") == "CONNECT" and r.get("host") == "127.0.0.2"]
check(rec and all(r["intercepted"] is False for r in rec), "spliced tunnel records: intercepted false")

check(gh.stop() == 0, "clean stop")
log = gh.output()
check("BEGIN" not in log and "PRIVATE" not in log, "no key material in the log")
print("ok: intercept inspect")
