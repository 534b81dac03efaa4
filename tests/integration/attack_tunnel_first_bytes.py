"""Issue 10, classes 1, 2 and 9 (docs/threat-model.md): ways around the SNI
check through a CONNECT tunnel, tried as an attacker would, black box.

Story: an attack pass found that a ClientHello whose record header said
03 05 was called "not TLS" and relayed unexamined; that an empty handshake
record before the hello, or an SNI with ":443" appended, turned it into
"no SNI" (allowed by the shipped `no_sni: allow`); and that a client that
stayed silent past client_hello_timeout, or sent half a hello and waited,
was relayed with no SNI decision at all. OpenSSL's server reads every one
of those hellos and serves the name in it.

Each case CONNECTs to an allowed loopback origin that counts the bytes it
receives, then sends first bytes naming a blocked host (web.whatsapp.com,
blocked by the shipped rules). Pass = the origin received none of them and
the audit log has the tunnel's second decision with the expected reason.
A real hello naming an allowed host is the control: its bytes do arrive."""
import os
import socket
import sys
import tempfile
import threading
import time

import yaml

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from proxy_lib.harness import (Gatehouse, audit_mark, audit_records, check, client_hello, fail,  # noqa: E402
                               free_port, wait_record, write_rules)

BLOCKED = "web.whatsapp.com"


class CountingOrigin:
    """Accepts connections on loopback and counts every byte it receives."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.lock = threading.Lock()
        self.received = 0
        self.stop = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while not self.stop:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._drain, args=(c,), daemon=True).start()

    def _drain(self, c):
        c.settimeout(30)
        try:
            while True:
                data = c.recv(65536)
                if not data:
                    break
                with self.lock:
                    self.received += len(data)
        except OSError:
            pass
        c.close()

    def count(self):
        with self.lock:
            return self.received


def records_of(hello):
    """Splits a single-record hello into (record header, handshake message)."""
    if hello[0] != 0x16:
        fail("python's hello is not one handshake record")
    n = int.from_bytes(hello[3:5], "big")
    return hello[:5], hello[5:5 + n]


def record(msg, version=b"\x03\x01", rtype=0x16):
    return bytes([rtype]) + version + len(msg).to_bytes(2, "big") + msg


def with_sni(msg, old, new):
    """Rewrites the server_name in a handshake message, patching every length."""
    old_b, new_b = old.encode(), new.encode()
    i = msg.index(old_b)
    delta = len(new_b) - len(old_b)
    m = bytearray(msg[:i] + new_b + msg[i + len(old_b):])

    def bump(off):
        v = int.from_bytes(m[off:off + 2], "big") + delta
        m[off:off + 2] = v.to_bytes(2, "big")
    bump(i - 2)  # host_name length
    bump(i - 5)  # server_name_list length
    bump(i - 7)  # extension length
    at = 4 + 2 + 32
    at += 1 + m[at]
    at += 2 + int.from_bytes(m[at:at + 2], "big")
    at += 1 + m[at]
    bump(at)     # extensions block length
    body = len(m) - 4
    m[1:4] = body.to_bytes(3, "big")
    return bytes(m)


tmp = tempfile.mkdtemp(prefix="gh-attack-tunnel-")
origin = CountingOrigin()
port = free_port()
config = write_rules(tmp, port, [origin.port], limits={"client_hello_timeout": "1s"})
audit = os.path.join(tmp, "audit.jsonl")
gh = Gatehouse(config, port)

_, blocked_msg = records_of(client_hello(BLOCKED))
_, allowed_msg = records_of(client_hello("localhost"))
blocked_hello = record(blocked_msg)


def tunnel(first_bytes, pause_before=0.0, hold=0.0, src="127.0.0.1"):
    """CONNECTs, sends first_bytes (after pause_before s), keeps the socket
    open for hold s, returns (bytes the client got back, source port, how
    many audit records were written before it). A later tunnel may get the
    same source port, so a tunnel's records are looked for only among those
    written after it started."""
    start = audit_mark(audit)
    s = socket.socket()
    s.bind((src, 0))
    s.settimeout(10)
    s.connect(("127.0.0.1", port))
    sport = s.getsockname()[1]
    s.sendall(b"CONNECT localhost:%d HTTP/1.1\r\nHost: localhost:%d\r\n\r\n" % (origin.port, origin.port))
    head = b""
    while b"\r\n\r\n" not in head:
        chunk = s.recv(4096)
        if not chunk:
            fail("proxy closed before answering the CONNECT")
        head += chunk
    if not head.startswith(b"HTTP/1.1 200"):
        fail("CONNECT not established: %r" % head[:80])
    if pause_before:
        time.sleep(pause_before)
    got = b""
    try:
        if first_bytes:
            s.sendall(first_bytes)
        deadline = time.time() + max(hold, 3)
        while time.time() < deadline:
            chunk = s.recv(4096)
            if not chunk:
                break
            got += chunk
    except (socket.timeout, ConnectionResetError, BrokenPipeError):
        pass
    s.close()
    return got, sport, start


def second_decision(sport, start, what):
    """The tunnel's decision on its first bytes: the second decision record
    written after the first `start`."""
    client = "127.0.0.1:%d" % sport
    deadline = time.time() + 10
    while time.time() < deadline:
        recs = [r for r in audit_records(audit)[start:] if r["event"] == "decision" and r["client"] == client]
        if len(recs) >= 2:
            return recs[1]
        time.sleep(0.05)
    fail("%s: no second decision record for %s" % (what, client))


def attack(name, first_bytes, reason, action="block", **kw):
    before = origin.count()
    got, sport, start = tunnel(first_bytes, **kw)
    time.sleep(0.2)
    check(origin.count() == before, "%s: the origin received no byte" % name)
    d = second_decision(sport, start, name)
    check(d["action"] == action and d["reason"] == reason,
          "%s: audited %s/%s (got %s/%s)" % (name, action, reason, d["action"], d["reason"]))
    check(d.get("dest") == "127.0.0.1:%d" % origin.port, "%s: the record names the origin as dest" % name)
    return got, sport, d


# --- control: a real hello for an allowed name reaches the origin
before = origin.count()
_, sport, _ = tunnel(record(allowed_msg))
deadline = time.time() + 5
while origin.count() == before and time.time() < deadline:
    time.sleep(0.05)
check(origin.count() - before == len(record(allowed_msg)), "control: an allowed hello is relayed whole")

# --- class 1: the reader and OpenSSL must agree
got, _, d = attack("record version 03 05", record(blocked_msg, version=b"\x03\x05"), "category-blocked")
check(got.startswith(b"\x15\x03"), "record version 03 05: the client gets a TLS alert")
check(d.get("sni") == BLOCKED, "record version 03 05: the SNI is recorded")
attack("record version 03 00", record(blocked_msg, version=b"\x03\x00"), "category-blocked")
attack("empty handshake record first", record(b"") + blocked_hello, "category-blocked")
half = len(blocked_msg) // 2
attack("empty records between fragments",
       record(blocked_msg[:half]) + record(b"", b"\x03\x03") + record(blocked_msg[half:]), "category-blocked")
attack("one-byte records", b"".join(record(blocked_msg[i:i + 1]) for i in range(len(blocked_msg))),
       "category-blocked")
attack("SNI with :443 appended", record(with_sni(blocked_msg, BLOCKED, BLOCKED + ":443")), "bad-client-hello")
attack("SNI with a trailing slash", record(with_sni(blocked_msg, BLOCKED, BLOCKED + "/")), "bad-client-hello")
attack("SNI with a space", record(with_sni(blocked_msg, BLOCKED, "web whatsapp.com")), "bad-client-hello")
attack("a warning alert before the hello", record(b"\x01\x70", rtype=0x15) + blocked_hello, "bad-client-hello")
attack("an SSLv2-format hello", b"\x80\x2e\x01\x03\x01" + b"\x00" * 45, "bad-client-hello")
attack("record major version 2", record(blocked_msg, version=b"\x02\x01"), "bad-client-hello")

# --- class 2: nothing relayed before a decision on what the client sent
got, _, _ = attack("silent past the hello timeout, then a hello", blocked_hello,
                   "client-hello-timeout", action="deny", pause_before=1.6)
got, _, _ = attack("half a hello, then waiting", blocked_hello[:60], "client-hello-timeout",
                   action="deny", hold=2.5)
attack("first bytes not TLS", b"GET / HTTP/1.1\r\nHost: %s\r\n\r\n" % BLOCKED.encode(), "non-tls-tunnel")
attack("SSH banner", b"SSH-2.0-OpenSSH_9.2\r\n", "non-tls-tunnel")

# --- class 9: a tunnel refused at its hello has no 200 in its close record
_, sport, start = tunnel(blocked_hello)
client = "127.0.0.1:%d" % sport
c = wait_record(audit, lambda r: r["event"] == "close" and r["client"] == client, what="close record",
                after=start)
check(c["status"] is None and c["action"] == "block", "close record of a refused tunnel: status null, block")

gh.stop()

# --- policy.non_tls_tunnel: allow relays non-TLS bytes, on record either way
config2 = write_rules(os.path.join(tmp, "allow"), port, [origin.port], limits={"client_hello_timeout": "1s"})
with open(config2) as f:
    cfg = yaml.safe_load(f)
cfg["policy"]["non_tls_tunnel"] = "allow"
with open(config2, "w") as f:
    yaml.safe_dump(cfg, f, sort_keys=False)
audit = os.path.join(tmp, "allow", "audit.jsonl")
os.makedirs(os.path.dirname(audit), exist_ok=True)
gh = Gatehouse(config2, port)
before = origin.count()
payload = b"SSH-2.0-OpenSSH_9.2\r\n"
_, sport, _ = tunnel(payload)
deadline = time.time() + 5
while origin.count() == before and time.time() < deadline:
    time.sleep(0.05)
check(origin.count() - before == len(payload), "non_tls_tunnel: allow relays the bytes")
client = "127.0.0.1:%d" % sport
d = wait_record(audit, lambda r: r["event"] == "decision" and r["client"] == client and r["reason"] == "non-tls-tunnel",
                what="non-tls allow record")
check(d["action"] == "allow", "non_tls_tunnel: allow is audited allow/non-tls-tunnel")
# A hello we cannot read still fails closed whatever non_tls_tunnel says.
before = origin.count()
_, sport, _ = tunnel(record(with_sni(blocked_msg, BLOCKED, BLOCKED + ":443")))
time.sleep(0.3)
check(origin.count() == before, "bad hello still blocked with non_tls_tunnel: allow")
gh.stop()
origin.stop = True
n = len([r for r in audit_records(audit)])
print("ok: %d records in the second log" % n)
print("PASS")
