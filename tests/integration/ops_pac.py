#!/usr/bin/env python3
"""PAC and WPAD (README "Operations guide", issue #5 item 3): /proxy.pac and /wpad.dat on the
admin and the forward listener, with the PAC MIME type, evaluated by a real
PAC engine (pacparser): DIRECT for pac.direct hosts and networks, the proxy
otherwise, and never DIRECT as a fallback."""
import os
import subprocess
import sys

try:
    import pacparser
except ImportError:  # pyenv's python cannot see Debian's python3-pacparser
    if sys.executable != "/usr/bin/python3" and os.path.exists("/usr/bin/python3"):
        os.execv("/usr/bin/python3", ["/usr/bin/python3"] + sys.argv)
    print("skip: python3-pacparser missing")
    sys.exit(77)

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "proxy_lib"))
import gh  # noqa: E402

gh.need_binary()
PAC_MIME = "application/x-ns-proxy-autoconfig"
PROXY = "PROXY proxy.example.gov:3128"

CASES = [
    ("http://wiki.intranet.example.gov/page", "wiki.intranet.example.gov", "DIRECT"),
    ("http://intranet.example.gov/", "intranet.example.gov", "DIRECT"),
    ("https://a.b.intranet.example.gov/", "a.b.intranet.example.gov", "DIRECT"),
    ("http://intranet/", "intranet", "DIRECT"),
    ("http://10.1.2.3/", "10.1.2.3", "DIRECT"),
    ("http://192.168.1.77:8080/", "192.168.1.77", "DIRECT"),
    ("http://web.whatsapp.com/", "web.whatsapp.com", PROXY),
    ("https://example.com/", "example.com", PROXY),
    ("http://notintranet.example.gov/", "notintranet.example.gov", PROXY),
    ("http://192.168.2.1/", "192.168.2.1", PROXY),
    ("http://11.0.0.1/", "11.0.0.1", PROXY),
    ("http://intranet.example.gov.evil.com/", "intranet.example.gov.evil.com", PROXY),
]

tree = gh.RuleTree()
g = gh.Gatehouse(tree.config, tree.admin_port)
try:
    g.wait_ready()
    expected = subprocess.run([gh.GATEHOUSE, "pac", "--config", tree.config], capture_output=True,
                              timeout=30, check=True).stdout
    sources = {
        "admin /proxy.pac": g.admin + "/proxy.pac",
        "admin /wpad.dat": g.admin + "/wpad.dat",
        "forward /proxy.pac": "http://127.0.0.1:%d/proxy.pac" % tree.forward_port,
        "forward /wpad.dat": "http://127.0.0.1:%d/wpad.dat" % tree.forward_port,
    }
    for name, url in sources.items():
        status, headers, body = gh.get(url)
        assert status == 200, (name, status, body[:200])
        ctype = headers.get("Content-Type", "").split(";")[0].strip()
        assert ctype == PAC_MIME, (name, headers)
        assert body == expected, (name, "differs from `gatehouse pac`")
        pacparser.init()
        try:
            pacparser.parse_pac_string(body.decode())
            for url_, host, want in CASES:
                got = pacparser.find_proxy(url_, host)
                assert got == want, (name, url_, got, want)
                assert "DIRECT" not in got or want == "DIRECT", (name, url_, got)
        finally:
            pacparser.cleanup()
    print("ok: PAC on admin and forward listeners, %d cases each" % len(CASES))
finally:
    rc = g.stop()
    tree.cleanup()
assert rc == 0, rc
