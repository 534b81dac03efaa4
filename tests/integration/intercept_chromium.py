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
from proxy_lib.harness import BIN, Gatehouse, check, fail, free_port, wait_record, write_rules  # noqa: E402


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
config = write_rules(tmp, port, [])
with open(config) as f:
    cfg = yaml.safe_load(f)
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
check(gh.stop() == 0, "clean stop")
print("ok: intercept chromium")
