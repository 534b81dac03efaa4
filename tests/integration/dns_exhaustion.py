"""Issue 10 class 6, DNS exhaustion. The story: gatehouse resolved names on 16
getaddrinfo threads that were never cancelled, so one client sending ~32
requests for names whose DNS never answers made every other client's lookups
wait 10-80 s. Now lookups go through c-ares, at most resolver.max_per_client
of them in flight per client.

With a fake DNS server on 127.0.0.1 (hang*.test never answers, ok*.test
answers 127.0.0.1): client A (127.0.0.10) fills its cap with never-answering
names; its further requests are answered 503 `overloaded` (audited); client B
(127.0.0.11) meanwhile gets every one of its 20 requests answered by the
origin while all of A's lookups are still pending; A's lookups end as 504
upstream-timeout. A name in the hosts file is answered while DNS hangs."""
import os
import socket
import sys
import tempfile
import threading
import time

import yaml

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from proxy_lib.fake_dns import FakeDns  # noqa: E402
from proxy_lib.harness import (Gatehouse, audit_records, check, fail, free_port,  # noqa: E402
                               start_origin, wait_record, write_rules)

CAP = 4
RESOLVER_TIMEOUT_S = 6

tmp = tempfile.mkdtemp(prefix="gh-dns-exhaustion-")
origin, oport = start_origin("127.0.0.1")
dns = FakeDns({"ok%d.test" % i: ["127.0.0.1"] for i in range(40)})
hosts = os.path.join(tmp, "hosts")
with open(hosts, "w") as f:
    f.write("127.0.0.1 hang-but-listed.test\n")
port = free_port()
config = write_rules(tmp, port, [], limits={"connect_timeout": "20s"})
with open(config) as f:
    cfg = yaml.safe_load(f)
cfg["resolver"] = {"servers": [dns.server], "hosts_file": hosts, "timeout": "%ds" % RESOLVER_TIMEOUT_S,
                   "max_per_client": CAP, "cache_size": 1000, "negative_ttl": "30s"}
with open(config, "w") as f:
    yaml.safe_dump(cfg, f, sort_keys=False)
audit = os.path.join(tmp, "audit.jsonl")
gh = Gatehouse(config, port, env={"GATEHOUSE_THREADS": "2"})


def get(src, host, timeout=30):
    """One GET through the proxy from `src`; returns (status, body) or (None, error)."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind((src, 0))
    s.settimeout(timeout)
    try:
        s.connect(("127.0.0.1", port))
        s.sendall(("GET http://%s:%d/hi HTTP/1.1\r\nHost: %s:%d\r\nConnection: close\r\n\r\n"
                   % (host, oport, host, oport)).encode())
        data = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    except OSError as e:
        return None, str(e)
    finally:
        s.close()
    try:
        return int(data.split(b" ", 2)[1]), data
    except (IndexError, ValueError):
        return None, data


# --- a name in the hosts file does not wait behind DNS
st, body = get("127.0.0.12", "hang-but-listed.test")
check(st == 200 and b"hello from origin /hi" in body, "hosts-file name answered (DNS would hang)")
check(dns.asked("hang-but-listed") == 0, "DNS was not asked for the hosts-file name")

# --- client A fills its cap with names that never answer
a_results = {}


def a_request(i):
    a_results[i] = get("127.0.0.10", "hang%d.test" % i)


a_threads = [threading.Thread(target=a_request, args=(i,)) for i in range(CAP)]
for t in a_threads:
    t.start()
deadline = time.time() + 20
while time.time() < deadline and len({n for n in range(CAP) if dns.asked("hang%d.test" % n) > 0}) < CAP:
    time.sleep(0.02)
check(all(dns.asked("hang%d.test" % n) > 0 for n in range(CAP)), "client A's %d lookups reached DNS" % CAP)
a_started = time.time()

# --- over the cap: 503, audited as overloaded
for i in range(CAP, CAP + 3):
    st, body = get("127.0.0.10", "hang%d.test" % i)
    check(st == 503, "client A's lookup #%d over the cap answered 503" % (i + 1))
check(all(dns.asked("hang%d.test" % n) == 0 for n in range(CAP, CAP + 3)), "refused lookups never reached DNS")
wait_record(audit, lambda r: r["event"] == "decision" and r["reason"] == "overloaded"
            and r["client"].startswith("127.0.0.10:") and r.get("host") == "hang%d.test" % CAP,
            what="overloaded decision for client A")

# --- client B is not held up: all 20 answered while A's lookups are pending
b_ok = 0
for i in range(20):
    st, body = get("127.0.0.11", "ok%d.test" % i)
    b_ok += st == 200 and b"hello from origin" in body
b_done = time.time()
check(b_ok == 20, "client B: 20 of 20 requests answered by the origin (got %d)" % b_ok)
pending = [i for i in range(CAP) if i not in a_results]
check(len(pending) == CAP, "client A's %d lookups were all still pending when B finished" % CAP)
print("  B's 20 requests took %.2f s after A filled its cap" % (b_done - a_started), flush=True)

# --- a cached answer: the second round asks DNS nothing new
asked = dns.asked("ok")
for i in range(5):
    st, _ = get("127.0.0.11", "ok%d.test" % i)
    check(st == 200, "client B again: ok%d.test" % i)
check(dns.asked("ok") == asked, "repeat lookups answered from the cache")

# --- A's lookups end in time-outs, and the slots come back
for t in a_threads:
    t.join(timeout=RESOLVER_TIMEOUT_S + 30)
check(all(a_results.get(i, (None,))[0] == 504 for i in range(CAP)),
      "client A's never-answered lookups: 504 (%s)" % sorted((i, r[0]) for i, r in a_results.items()))
for i in range(CAP):
    wait_record(audit, lambda r, i=i: r["event"] == "decision" and r.get("host") == "hang%d.test" % i
                and r["reason"] == "upstream-timeout", what="upstream-timeout for hang%d" % i)
st, _ = get("127.0.0.10", "ok30.test")
check(st == 200, "client A's slots are free again after the time-outs")

over = [r for r in audit_records(audit) if r["event"] == "decision" and r["reason"] == "overloaded"]
check(all(r["client"].startswith("127.0.0.10:") for r in over) and len(over) == 3,
      "exactly client A's 3 refused requests audited as overloaded")

check(gh.stop() == 0, "gatehouse stops cleanly (exit 0)")
dns.stop()
print("PASS")
