"""Loopback origins for the soak: the well-behaved plain and TLS origins come
from tests/integration/proxy_lib/harness.py; this file adds the misbehaving
ones the faults need. Each listens on 127.0.0.1 on a kernel-chosen port and
lives in a daemon thread of the driver (stopped when the driver exits)."""
import socket
import struct
import threading
import time


def _listener(backlog=128):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", 0))
    s.listen(backlog)
    return s


def _serve(sock, handle):
    def loop():
        while True:
            try:
                conn, _ = sock.accept()
            except OSError:
                return
            threading.Thread(target=handle, args=(conn,), daemon=True).start()
    threading.Thread(target=loop, daemon=True).start()
    return sock.getsockname()[1]


def _read_head(conn, limit=65536):
    conn.settimeout(10)
    data = b""
    try:
        while b"\r\n\r\n" not in data and len(data) < limit:
            chunk = conn.recv(4096)
            if not chunk:
                break
            data += chunk
    except OSError:
        pass
    return data


def start_reset_origin():
    """Reads the request head, then resets the connection (RST, no answer):
    the proxy must answer 502 upstream-refused."""
    def handle(conn):
        _read_head(conn)
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        conn.close()
    return _serve(_listener(), handle)


def start_stall_origin(hold_seconds=30):
    """Reads the request head and never answers (closed after hold_seconds):
    the proxy's idle timeout must answer 504 upstream-timeout."""
    def handle(conn):
        _read_head(conn)
        deadline = time.time() + hold_seconds
        conn.settimeout(1)
        while time.time() < deadline:
            try:
                if not conn.recv(4096):
                    break
            except socket.timeout:
                continue
            except OSError:
                break
        conn.close()
    return _serve(_listener(), handle)


def start_blackhole():
    """A listener that never accepts, its queue filled: further SYNs are
    dropped by the kernel, so a connect to it times out (504 after
    limits.connect_timeout). Returns (port, sockets to keep alive)."""
    lst = _listener(backlog=0)
    port = lst.getsockname()[1]
    fillers = []
    for _ in range(3):
        c = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        c.setblocking(False)
        try:
            c.connect(("127.0.0.1", port))
        except BlockingIOError:
            pass
        fillers.append(c)
    time.sleep(0.2)
    return port, [lst] + fillers


def start_sink():
    """Accepts and discards: the origin of tunnels whose first bytes are bad
    (gatehouse connects before it reads the hello, and never relays a byte)."""
    def handle(conn):
        conn.settimeout(30)
        try:
            while conn.recv(65536):
                pass
        except OSError:
            pass
        conn.close()
    return _serve(_listener(), handle)
