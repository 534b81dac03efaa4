"""URL rules see the normalised path, and the origin gets that path (docs/threat-model.md;
issue 10, class 5).

The story: the shipped WeChat rule `^https?://[^/]+/cgi-bin/mmwebwx-bin/`
matched the raw request path, so `/x/../cgi-bin/mmwebwx-bin/…`,
`//cgi-bin//mmwebwx-bin/`, `/./cgi-bin/…` or `/%63gi-bin/…` went through to
an origin that reads them all as `/cgi-bin/mmwebwx-bin/…`. Here every such
spelling, sent with raw sockets (and curl --path-as-is) for a host that is
otherwise allowed, must be blocked with the rule's app on record; an allowed
path written the same ways must reach the origin normalised, with the
normalised URL in the audit record; a broken escape is a 400."""
import os
import socket
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from proxy_lib.harness import (Gatehouse, audit_mark, check, curl, free_port, start_origin,  # noqa: E402
                               wait_record, write_rules)

tmp = tempfile.mkdtemp(prefix="gh-path-normalize-")
origin, oport = start_origin()
port = free_port()
config = write_rules(tmp, port, [])
audit = os.path.join(tmp, "audit.jsonl")
gh = Gatehouse(config, port)
proxy = "127.0.0.1:%d" % port
base = "http://127.0.0.1:%d" % oport


# client address -> audit records before its connection (a later connection
# may reuse the source port, and its address then matches older records)
marks = {}


def get(path):
    """One GET through the proxy; returns (answer, client address as audited)."""
    mark = audit_mark(audit)
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    me = "127.0.0.1:%d" % s.getsockname()[1]
    marks[me] = mark
    s.sendall(b"GET " + base.encode() + path + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    got = b""
    while True:
        c = s.recv(65536)
        if not c:
            break
        got += c
    s.close()
    return got, me


def decision_of(me, what):
    return wait_record(audit, lambda r: r["event"] == "decision" and r["client"] == me, what=what,
                       after=marks.get(me, 0))


# The host is allowed: the rule, not the host, is what blocks.
got, me = get(b"/cgi-bin/other")
check(got.startswith(b"HTTP/1.1 200") and b"hello from origin /cgi-bin/other" in got, "the host itself is allowed")

SPELLINGS = [
    b"/cgi-bin/mmwebwx-bin/webwxinit",          # the plain path (the rule works at all)
    b"/x/../cgi-bin/mmwebwx-bin/webwxinit",     # dot-dot segment
    b"/x/y/../../cgi-bin/mmwebwx-bin/",
    b"/../cgi-bin/mmwebwx-bin/",                # above the root
    b"//cgi-bin//mmwebwx-bin//webwxinit",       # duplicate slashes
    b"/./cgi-bin/./mmwebwx-bin/./webwxinit",    # dot segments
    b"/cgi-bin/mmwebwx-bin/.",
    b"/%63gi-bin/mmwebwx-bin/webwxinit",        # escaped unreserved letters
    b"/cgi-bin/%6d%6Dwebwx-bin/",
    b"/%63%67%69%2d%62%69%6e/mmwebwx-bin/",     # every letter and the hyphen escaped
    b"/x/%2e%2e/cgi-bin/mmwebwx-bin/",          # escaped dots forming ..
    b"/x/.%2E/cgi-bin/mmwebwx-bin/",
    b"/%2e/cgi-bin/mmwebwx-bin/",
    b"/x/%2e%2e//%2e/%63gi-bin//./mmwebwx-bin/webwxinit?x=1",  # all of them at once
]
for path in SPELLINGS:
    got, me = get(path)
    check(got.startswith(b"HTTP/1.1 403") and b"WeChat for Web" in got, "%s: blocked (403 page)" % path.decode())
    d = decision_of(me, path.decode())
    check(d["action"] == "block" and d["app"] == "wechat-web" and d["reason"] == "category-blocked"
          and d["url"].startswith(base + "/cgi-bin/mmwebwx-bin/"),
          "%s: audited as wechat-web with the normalised url %s" % (path.decode(), d["url"]))

# curl, a real client, sends the dot segments as written with --path-as-is.
r = curl("--path-as-is", "-x", proxy, "-D", "-", base + "/x/../cgi-bin/mmwebwx-bin/")
check(r.stdout.startswith(b"HTTP/1.1 403") and b"WeChat for Web" in r.stdout, "curl --path-as-is: blocked")

# Allowed paths written the same ways reach the origin normalised; the query is left alone.
ALLOWED = [
    (b"/x/../a//b/./c", b"/a/b/c"),
    (b"/%7euser/%61%62/", b"/~user/ab/"),
    (b"/a%2fb/%3f", b"/a%2Fb/%3F"),          # reserved escapes stay escaped, upper case
    (b"/a/b/..?q=/../%63&r=%zz", b"/a/?q=/../%63&r=%zz"),
    (b"/..", b"/"),
]
for sent, want in ALLOWED:
    got, me = get(sent)
    check(got.startswith(b"HTTP/1.1 200") and got.endswith(b"hello from origin " + want),
          "%s reaches the origin as %s" % (sent.decode(), want.decode()))
    d = decision_of(me, sent.decode())
    check(d["action"] == "allow" and d["url"] == base + want.decode(), "%s: audited url %s" % (sent.decode(), d["url"]))
r = curl("--path-as-is", "-x", proxy, base + "/p/q/../r")
check(r.stdout == b"hello from origin /p/r", "curl --path-as-is: the origin gets /p/r")

# An escape with no single reading: refused, not guessed.
for bad in (b"/a%zz", b"/cgi-bin%2/mmwebwx-bin/", b"/%"):
    got, me = get(bad)
    check(got.startswith(b"HTTP/1.1 400"), "%s: 400" % bad.decode())
    d = decision_of(me, bad.decode())
    check(d["action"] == "deny" and d["reason"] == "bad-request", "%s: audited bad-request" % bad.decode())

check(gh.stop() == 0, "gatehouse stops cleanly")
print("proxy_path_normalize: all passed")
