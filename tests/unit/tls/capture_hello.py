#!/usr/bin/env python3
"""Prints, as hex, the first bytes a TLS client sends to a listening socket.

Used once to make hello_fixtures.hpp; kept so the fixtures can be refreshed:
    python3 tests/unit/tls/capture_hello.py openssl s_client -connect 127.0.0.1:{port} -servername x
'{port}' in the arguments is replaced by the port of the capturing socket.
The client is killed after 2 s; nothing but the loopback address is used.
"""
import socket
import subprocess
import sys
import time


def capture(argv):
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(1)
    port = srv.getsockname()[1]
    cmd = [a.replace("{port}", str(port)) for a in argv]
    proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        srv.settimeout(5)
        conn, _ = srv.accept()
        conn.settimeout(1)
        data = b""
        deadline = time.time() + 2
        while time.time() < deadline:
            try:
                chunk = conn.recv(65536)
            except socket.timeout:
                break
            if not chunk:
                break
            data += chunk
        conn.close()
        return data
    finally:
        srv.close()
        proc.kill()
        proc.wait()


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    print(capture(sys.argv[1:]).hex())
