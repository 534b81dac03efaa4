"""Issue 10 class 8, destination half: gatehouse connecting to itself. The
story: with the private-destination guard off, a connection whose original
destination was gatehouse's own listener made gatehouse connect to itself,
over and over (512 nested connections). A destination that is one of our own
listening endpoints is now refused, reason `loop-detected`, guard on or off.

Forward mode shows it without network namespaces: an absolute-form request
and a CONNECT to the proxy's own address and port, by IP and by a name that
resolves to it, are refused; the same address on another port is not."""
import os
import sys
import tempfile

import yaml

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from proxy_lib.harness import (Gatehouse, audit_records, check, curl, free_port, raw,  # noqa: E402
                               start_origin, wait_record, write_rules)

tmp = tempfile.mkdtemp(prefix="gh-guard-loop-")
origin, oport = start_origin("127.0.0.1")
port = free_port()
hosts = os.path.join(tmp, "hosts")
with open(hosts, "w") as f:
    f.write("127.0.0.1 myself.test\n")
config = write_rules(tmp, port, [port], block_private=False)
with open(config) as f:
    cfg = yaml.safe_load(f)
cfg["resolver"] = {"hosts_file": hosts}
with open(config, "w") as f:
    yaml.safe_dump(cfg, f, sort_keys=False)
audit = os.path.join(tmp, "audit.jsonl")
gh = Gatehouse(config, port)
proxy = "127.0.0.1:%d" % port


def decisions():
    return [r for r in audit_records(audit) if r["event"] == "decision"]


for host in ("127.0.0.1", "myself.test"):
    r = curl("-x", proxy, "http://%s:%d/again" % (host, port), "-D", "-")
    check(r.stdout.startswith(b"HTTP/1.1 403"), "GET to our own listener via %s: 403" % host)
    d = wait_record(audit, lambda r, h=host: r["event"] == "decision" and r.get("host") == h
                    and r.get("method") == "GET", what="loop decision for " + host)
    check(d["action"] == "deny" and d["reason"] == "loop-detected", "audited loop-detected (%s)" % host)

got = raw(port, b"CONNECT 127.0.0.1:%d HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n\r\n" % (port, port), timeout=5)
check(got.startswith(b"HTTP/1.1 403"), "CONNECT to our own listener: 403")
d = wait_record(audit, lambda r: r["event"] == "decision" and r.get("method") == "CONNECT"
                and r.get("port") == port, what="CONNECT loop decision")
check(d["reason"] == "loop-detected", "CONNECT audited loop-detected")
check(len(decisions()) == 3 and all(r["reason"] == "loop-detected" for r in decisions()),
      "three decisions, all refusals: no nested request ever reached the proxy")

# --- same address, another port: an ordinary origin
r = curl("-x", proxy, "http://127.0.0.1:%d/fine" % oport)
check(r.returncode == 0 and r.stdout == b"hello from origin /fine", "another port on 127.0.0.1 is not a loop")

check(gh.stop() == 0, "gatehouse stops cleanly (exit 0)")
print("PASS")
