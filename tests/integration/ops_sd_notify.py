#!/usr/bin/env python3
"""Type=notify protocol as systemd sees it (issue #5 item 5): gatehouse is
started with $NOTIFY_SOCKET pointing at our datagram socket. It must send
READY=1 only once its listeners accept connections, RELOADING=1 then READY=1
around a SIGHUP reload, and STOPPING=1 when SIGTERM starts the drain."""
import os
import signal
import socket
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "proxy_lib"))
import gh  # noqa: E402

gh.need_binary()
sockdir = tempfile.mkdtemp(prefix="gh-notify-")
path = os.path.join(sockdir, "notify")
sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
sock.bind(path)
sock.settimeout(20)


def next_message():
    return sock.recv(4096).decode()


tree = gh.RuleTree()
g = gh.Gatehouse(tree.config, tree.admin_port, env={"NOTIFY_SOCKET": path})
try:
    msg = next_message()
    assert msg.startswith("READY=1"), msg
    # READY means serving: the forward listener answers at once.
    st, _ = gh.proxy_get(tree.forward_port, "http://web.whatsapp.com/")
    assert st == 403, st
    print("ok: READY=1 once listening")

    g.signal(signal.SIGHUP)
    msg = next_message()
    assert msg.startswith("RELOADING=1") and "MONOTONIC_USEC=" in msg, msg
    msgs = [next_message()]
    while not any(m.startswith("READY=1") for m in msgs) and len(msgs) < 5:
        msgs.append(next_message())
    assert any(m.startswith("READY=1") for m in msgs), msgs
    print("ok: RELOADING=1 ... READY=1 around a reload")

    g.signal(signal.SIGTERM)
    msgs = [next_message()]
    while not any(m.startswith("STOPPING=1") for m in msgs) and len(msgs) < 5:
        msgs.append(next_message())
    assert any(m.startswith("STOPPING=1") for m in msgs), msgs
    print("ok: STOPPING=1 on drain")
finally:
    rc = g.stop()
    tree.cleanup()
    sock.close()
    os.unlink(path)
    os.rmdir(sockdir)
assert rc == 0, rc
