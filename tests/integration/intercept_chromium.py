"""A real browser gets the HTTPS block page (issue 12, README "HTTPS interception").

Debian's headless chromium, with the test CA in its NSS database (certutil from
libnss3-tools) and --proxy-server pointing at gatehouse, loads
https://web.whatsapp.com/ — a site on the HSTS preload list, so the browser
goes straight to CONNECT. The DOM it renders must be our block page with the
reference of the inner request's audit record. No DNS is involved: the shipped
rules block web.whatsapp.com before any lookup.

chromium or certutil missing: a failure in CI (env CI set), a skip (77) elsewhere."""
import os
import shutil
import subprocess
import sys
import tempfile

import yaml

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from proxy_lib.harness import (BIN, Gatehouse, audit_records, check, fail, free_port,  # noqa: E402
                               start_tls_origin, wait_record, write_rules)


def need(*names):
    for name in names:
        path = shutil.which(name)
        if path:
            return path
    if os.environ.get("CI"):
        fail("%s is not installed (tests/run.sh installs it); CI must not skip this test" % names[0])
    print("skip: %s not installed" % names[0])
    sys.exit(77)


browser = need("chromium", "chromium-browser")
certutil = need("certutil")

tmp = tempfile.mkdtemp(prefix="gh-intercept-chromium-")
subprocess.run([BIN, "ca", "init", "--out", os.path.join(tmp, "ca"), "--name", "gatehouse chromium test CA",
                "--days", "2"], check=True, capture_output=True)
ca_pem = os.path.join(tmp, "ca", "ca.pem")
port = free_port()
# An allowed HTTPS site (README "ECH: what is judged"): Chromium sends a GREASE
# encrypted_client_hello in every hello; with the shipped `ech: allow` the
# outer SNI is judged and the page loads, spliced.
ALLOWED = "allowed.example.org"
origin_dir = os.path.join(tmp, "origin")
os.makedirs(origin_dir)
subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                "-keyout", os.path.join(origin_dir, "o.key"), "-out", os.path.join(origin_dir, "o.crt"),
                "-days", "2", "-subj", "/CN=" + ALLOWED, "-addext", "subjectAltName=DNS:" + ALLOWED],
               check=True, capture_output=True)
_, origin_port, origin_crt = start_tls_origin(
    origin_dir, cert=(os.path.join(origin_dir, "o.crt"), os.path.join(origin_dir, "o.key")))
hosts = os.path.join(tmp, "hosts")
with open(hosts, "w") as f:
    f.write("127.0.0.1 %s\n" % ALLOWED)
config = write_rules(tmp, port, [origin_port])
with open(config) as f:
    cfg = yaml.safe_load(f)
check(cfg["policy"]["ech"] == "allow", "the shipped rules judge ECH hellos by their outer SNI")
cfg["resolver"] = {"hosts_file": hosts}
cfg["tls_intercept"] = {"ca_cert": ca_pem, "ca_key": os.path.join(tmp, "ca", "ca.key")}
with open(config, "w") as f:
    yaml.safe_dump(cfg, f, sort_keys=False)
audit = os.path.join(tmp, "audit.jsonl")
gh = Gatehouse(config, port)

# Chromium on Linux reads trust from $HOME/.pki/nssdb.
home = os.path.join(tmp, "home")
nssdb = os.path.join(home, ".pki", "nssdb")
os.makedirs(nssdb)
subprocess.run([certutil, "-d", "sql:" + nssdb, "-N", "--empty-password"], check=True, capture_output=True)
subprocess.run([certutil, "-d", "sql:" + nssdb, "-A", "-t", "C,,", "-n", "gatehouse test CA", "-i", ca_pem],
               check=True, capture_output=True)
subprocess.run([certutil, "-d", "sql:" + nssdb, "-A", "-t", "P,,", "-n", "allowed origin", "-i", origin_crt],
               check=True, capture_output=True)

env = dict(os.environ, HOME=home)
cmd = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
       "--user-data-dir=" + os.path.join(tmp, "profile"), "--proxy-server=127.0.0.1:%d" % port,
       "--virtual-time-budget=5000", "--dump-dom", "https://web.whatsapp.com/"]
p = subprocess.run(cmd, capture_output=True, timeout=120, env=env)
dom = p.stdout.decode("utf-8", errors="replace")
if p.returncode != 0 or not dom.strip():
    fail("chromium exited %d:\n%s\n%s" % (p.returncode, dom[:2000], p.stderr.decode(errors="replace")[-3000:]))
inner = wait_record(audit, lambda r: r.get("url") == "https://web.whatsapp.com/" and r.get("intercepted") is True,
                    what="the browser's inner request")
check("WhatsApp Web" in dom, "chromium renders the block page (names the app)")
check(inner["id"] in dom, "the DOM shows the reference of the inner request's record (%s)" % inner["id"])
check(inner["status"] == 403 and inner["action"] == "block", "inner record: 403, block")

# The allowed site, through the same proxy: spliced, the origin's own page.
cmd[-1] = "https://%s:%d/allowed-page" % (ALLOWED, origin_port)
p = subprocess.run(cmd, capture_output=True, timeout=120, env=env)
dom = p.stdout.decode("utf-8", errors="replace")
check("hello from origin /allowed-page" in dom,
      "chromium loads an allowed HTTPS site (GREASE ECH judged by its SNI): %r" % dom[:300])
hello = [r for r in audit_records(audit) if r.get("event") == "decision" and r.get("host") == ALLOWED]
print("records for %s: %r" % (ALLOWED, [(r["seq"], r.get("sni"), r["status"], r["reason"]) for r in audit_records(audit) if r.get("host") == ALLOWED]))
check(hello and hello[-1]["action"] == "allow" and hello[-1]["intercepted"] is False,
      "the hello is allowed and not decrypted: %r" % hello[-1:])
check(gh.stop() == 0, "clean stop")
print("ok: intercept chromium")
