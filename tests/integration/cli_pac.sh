#!/usr/bin/env bash
# gatehouse pac: the PAC text, and (with python3-pacparser) its evaluation:
# DIRECT for pac.direct hosts and networks, PROXY otherwise, never DIRECT
# as a fallback.
set -euo pipefail
: "${GATEHOUSE:?path of the gatehouse binary}"
cd "${GH_SOURCE_DIR:-$(dirname "$0")/../..}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

"$GATEHOUSE" pac --config rules/gatehouse.yaml >"$tmp/shipped.pac" || fail "pac on shipped rules"
grep -q 'return "PROXY 127.0.0.1:3128";' "$tmp/shipped.pac" || fail "shipped proxy"
! grep -q '; DIRECT' "$tmp/shipped.pac" || fail "DIRECT fallback"
"$GATEHOUSE" pac --config tests/data/config/pac/gatehouse.yaml >"$tmp/test.pac" || fail "pac"
rc=0; "$GATEHOUSE" pac --config tests/data/config/broken/gatehouse.yaml >/dev/null 2>&1 || rc=$?
[ "$rc" = 1 ] || fail "pac on broken rules: exit $rc"

# pacparser is a Debian package for the system python (pyenv shims may hide it).
py=""
for p in python3 /usr/bin/python3; do
  if "$p" -c "import pacparser" 2>/dev/null; then py=$p; break; fi
done
if [ -z "$py" ]; then
  echo "cli_pac: python3-pacparser not installed; PAC text checked, evaluation skipped"
  exit 77
fi
"$py" - "$tmp/test.pac" "$tmp/shipped.pac" <<'EOPY'
import sys
import pacparser

def check(pac, cases):
    pacparser.init()
    pacparser.parse_pac_file(pac)
    for url, host, want in cases:
        got = pacparser.find_proxy(url, host)
        assert got == want, f"{pac}: {host}: got {got!r}, want {want!r}"
    pacparser.cleanup()

proxy = "PROXY 127.0.0.1:3128"  # the first forward listener: no pac.proxy in this tree
check(sys.argv[1], [
    ("http://intranet.example.gov/", "intranet.example.gov", "DIRECT"),
    ("http://www.intranet.example.gov/", "www.intranet.example.gov", "DIRECT"),
    ("http://WWW.Intranet.Example.GOV./", "WWW.Intranet.Example.GOV.", "DIRECT"),
    ("http://evilintranet.example.gov/", "evilintranet.example.gov", proxy),
    ("http://wiki.example.org/", "wiki.example.org", "DIRECT"),
    ("http://www.wiki.example.org/", "www.wiki.example.org", proxy),
    ("http://10.1.2.3/", "10.1.2.3", "DIRECT"),
    ("http://192.168.7.9/", "192.168.7.9", "DIRECT"),
    ("http://192.168.8.9/", "192.168.8.9", proxy),
    ("http://[2001:db8:20::5]/", "2001:db8:20::5", "DIRECT"),
    ("http://[2001:db8:20:ffff::1]/", "[2001:db8:20:ffff::1]", "DIRECT"),
    ("http://[2001:db8:21::5]/", "2001:db8:21::5", proxy),
    ("http://[::1]/", "::1", proxy),
    ("https://web.whatsapp.com/", "web.whatsapp.com", proxy),
    ("https://example.com/", "example.com", proxy),
])
check(sys.argv[2], [
    ("https://web.whatsapp.com/", "web.whatsapp.com", "PROXY 127.0.0.1:3128"),
    ("http://a.intranet.example.gov/", "a.intranet.example.gov", "DIRECT"),
    ("http://10.20.5.7/", "10.20.5.7", "DIRECT"),
])
EOPY
echo "cli_pac: ok"
