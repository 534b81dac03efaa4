"""Runs a plain and a TLS origin on one address (inside a test namespace):
  python3 origin_main.py ADDRESS HTTP_PORT TLS_PORT CERT_DIR
Prints "ready" once both listen; runs until killed."""
import os
import sys
import threading

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from proxy_lib import harness  # noqa: E402


def main():
    addr, hport, tport, d = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    plain = harness.server_class(addr)((addr, hport), harness.OriginHandler)
    threading.Thread(target=plain.serve_forever, daemon=True).start()
    tls, _, _ = harness.start_tls_origin(d, addr, tport)
    print("ready", flush=True)
    threading.Event().wait()


main()
