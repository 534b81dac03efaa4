"""A tiny DNS server on 127.0.0.1 (UDP) for the resolver and guard tests.

answers maps a lower-case name to a list of IPv4 addresses (A records, in
that order, TTL 60), to "nx" (NXDOMAIN) or "hang" (never answered). Names
not in the map: those starting with "hang" never answer, others NXDOMAIN.
AAAA and other types get an empty NOERROR answer. It counts questions per
name. Runs in a daemon thread; stop() ends it."""
import socket
import struct
import threading


class FakeDns:
    def __init__(self, answers=None):
        self.answers = dict(answers or {})
        self.questions = {}
        self.lock = threading.Lock()
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(0.1)
        self.port = self.sock.getsockname()[1]
        self.running = True
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    @property
    def server(self):
        return "127.0.0.1:%d" % self.port

    def asked(self, prefix=""):
        with self.lock:
            return sum(n for name, n in self.questions.items() if name.startswith(prefix))

    def stop(self):
        self.running = False
        self.thread.join(timeout=5)
        self.sock.close()

    def _run(self):
        while self.running:
            try:
                data, peer = self.sock.recvfrom(512)
            except socket.timeout:
                continue
            except OSError:
                return
            reply = self._answer(data)
            if reply:
                self.sock.sendto(reply, peer)

    def _answer(self, q):
        if len(q) < 12:
            return None
        pos, labels = 12, []
        while pos < len(q) and q[pos] != 0:
            n = q[pos]
            if n > 63 or pos + 1 + n > len(q):
                return None
            labels.append(q[pos + 1:pos + 1 + n].decode("ascii", "replace"))
            pos += 1 + n
        if pos + 5 > len(q):
            return None
        qtype = struct.unpack("!H", q[pos + 1:pos + 3])[0]
        question = q[12:pos + 5]
        name = ".".join(labels).lower()
        with self.lock:
            self.questions[name] = self.questions.get(name, 0) + 1
        what = self.answers.get(name, "hang" if name.startswith("hang") else "nx")
        if what == "hang":
            return None
        rcode, records = 0, []
        if what == "nx":
            rcode = 3
        elif qtype == 1:
            records = what
        header = q[:2] + struct.pack("!BBHHHH", 0x81, 0x80 | rcode, 1, len(records), 0, 0)
        out = header + question
        for ip in records:
            out += b"\xc0\x0c" + struct.pack("!HHIH", 1, 1, 60, 4) + socket.inet_aton(ip)
        return out
