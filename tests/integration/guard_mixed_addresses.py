"""Issue 10 class 3, the private-destination guard bypassed by a name with
both a private and a permitted address. The story: the guard denied only when
*every* address was private, then connected in resolver order - loopback
first - so `mixed.test` -> {127.0.0.1, 127.0.0.2}, where only 127.0.0.2 is
covered by an allowed app's networks, reached the service on 127.0.0.1.

Here the fake DNS answers mixed.test with 127.0.0.1 first, then 127.0.0.2;
a decoy listens on 127.0.0.1 and the permitted origin on 127.0.0.2, same
port. Plain HTTP and CONNECT must both reach 127.0.0.2 (on the old code both
reach the decoy); a name with only 127.0.0.1 is denied private-destination."""
import os
import socket
import socketserver
import sys
import tempfile
import threading

import yaml

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from proxy_lib.fake_dns import FakeDns  # noqa: E402
from proxy_lib.harness import (Gatehouse, OriginHandler, ThreadingServer, check, curl, fail,  # noqa: E402
                               free_port, start_tls_origin, wait_record, write_rules)

tmp = tempfile.mkdtemp(prefix="gh-guard-mixed-")


class Decoy(socketserver.BaseRequestHandler):
    hits = 0

    def handle(self):
        type(self).hits += 1
        try:
            self.request.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nConnection: close\r\n\r\nDECOY")
        except OSError:
            pass


class DecoyServer(socketserver.ThreadingMixIn, socketserver.TCPServer):
    daemon_threads = True
    allow_reuse_address = True


def pair(make_real):
    """A real server on 127.0.0.2 and the decoy on 127.0.0.1, on one port."""
    for _ in range(20):
        real, port = make_real()
        try:
            decoy = DecoyServer(("127.0.0.1", port), Decoy)
        except OSError:
            real.shutdown()
            real.server_close()
            continue
        threading.Thread(target=decoy.serve_forever, daemon=True).start()
        return real, decoy, port
    fail("could not bind 127.0.0.1 and 127.0.0.2 on one port")


def plain_origin():
    srv = ThreadingServer(("127.0.0.2", 0), OriginHandler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv, srv.server_address[1]


def tls_origin():
    srv, p, _ = start_tls_origin(tmp, host="127.0.0.2")
    return srv, p


web, web_decoy, wport = pair(plain_origin)
tls, tls_decoy, tport = pair(tls_origin)

dns = FakeDns({"mixed.test": ["127.0.0.1", "127.0.0.2"], "loopback-only.test": ["127.0.0.1"]})
port = free_port()
config = write_rules(tmp, port, [tport], block_private=True)
with open(config) as f:
    cfg = yaml.safe_load(f)
# test-chat's app networks (127.0.0.2/32) become an allowed private range.
cfg["policy"]["categories"]["test-chat"] = "allow"
cfg["resolver"] = {"servers": [dns.server], "hosts_file": os.path.join(tmp, "no-hosts")}
with open(config, "w") as f:
    yaml.safe_dump(cfg, f, sort_keys=False)
audit = os.path.join(tmp, "audit.jsonl")
gh = Gatehouse(config, port)
proxy = "127.0.0.1:%d" % port

# --- plain HTTP: the permitted address, never the loopback one listed first
r = curl("-x", proxy, "http://mixed.test:%d/which" % wport)
check(r.returncode == 0 and r.stdout == b"hello from origin /which",
      "GET mixed.test reached 127.0.0.2, not the decoy on 127.0.0.1 (got %r)" % r.stdout[:60])
d = wait_record(audit, lambda r: r["event"] == "decision" and r.get("host") == "mixed.test"
                and r.get("port") == wport, what="mixed.test GET decision")
check(d["action"] == "allow", "mixed.test GET audited as allow")

# --- CONNECT: the tunnel goes to 127.0.0.2 too (TLS origin there, decoy is not TLS)
r = curl("-k", "-x", proxy, "https://mixed.test:%d/tls" % tport)
check(r.returncode == 0 and r.stdout == b"hello from origin /tls",
      "CONNECT mixed.test reached the TLS origin on 127.0.0.2: " + r.stderr.decode(errors="replace"))
check(Decoy.hits == 0, "no connection ever reached a decoy on 127.0.0.1")

# --- only a private address: denied
r = curl("-x", proxy, "http://loopback-only.test:%d/x" % wport, "-D", "-")
check(r.stdout.startswith(b"HTTP/1.1 403"), "loopback-only name answered 403")
d = wait_record(audit, lambda r: r["event"] == "decision" and r.get("host") == "loopback-only.test",
                what="loopback-only decision")
check(d["action"] == "deny" and d["reason"] == "private-destination", "audited private-destination")
check(Decoy.hits == 0, "the decoy was never reached")

check(gh.stop() == 0, "gatehouse stops cleanly (exit 0)")
dns.stop()
print("PASS")
