#!/usr/bin/env bash
# gatehouse check on the shipped rules, a broken tree and a warnings-only
# tree: exit codes, exact file:line:col diagnostics, --json.
set -euo pipefail
: "${GATEHOUSE:?path of the gatehouse binary}"
cd "${GH_SOURCE_DIR:-$(dirname "$0")/../..}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

# 1. The shipped rules are clean: exit 0, no diagnostics, a summary on stderr.
rc=0; "$GATEHOUSE" check --config rules/gatehouse.yaml >"$tmp/out" 2>"$tmp/err" || rc=$?
[ "$rc" = 0 ] || fail "shipped rules: exit $rc: $(cat "$tmp/out" "$tmp/err")"
[ ! -s "$tmp/out" ] || fail "shipped rules: diagnostics: $(cat "$tmp/out")"
grep -q '^rules/gatehouse.yaml: ok, 0 warnings' "$tmp/err" || fail "summary: $(cat "$tmp/err")"
out=$("$GATEHOUSE" check --json --config rules/gatehouse.yaml)
[ "$out" = '{"ok":true,"errors":0,"warnings":0,"diagnostics":[]}' ] || fail "json: $out"
# --config defaults to rules/gatehouse.yaml in the working directory.
"$GATEHOUSE" check >/dev/null 2>&1 || fail "default --config"

# 2. A broken tree: every error with its position, exit 1.
b=tests/data/config/broken
cat >"$tmp/expected" <<EOT
$b/gatehouse.yaml:13:19: error: bad duration '10 seconds' (use e.g. 500ms, 10s, 5m, 1h)
$b/categories/im.yaml:4:38: error: '.co.uk' is a public suffix; a rule must name a registrable domain or a host below one
$b/categories/im.yaml:5:12: error: bad regex '(unclosed': missing ): (unclosed
$b/categories/im.yaml:6:9: warning: app 'chat-two' has no domains, urls or networks
$b/categories/im.yaml:7:5: error: unknown key 'domain' in app (did you mean 'domains'?)
$b/lists/feed.txt:3:1: error: bad domain 'bad_name.example': invalid character in host name
$b/departments.yaml:3:32: error: bad network '10.20.0.0/33' (use e.g. 10.0.0.0/8 or 2001:db8::/32)
$b/departments.yaml:5:16: error: network '10.20.0.0/16' is already claimed by department 'immigration'
$b/approvals.yaml:3:17: error: unknown department 'imigration'
$b/approvals.yaml:7:14: error: expires (2026-03-31) is before granted (2026-04-01)
EOT
rc=0; "$GATEHOUSE" check --config $b/gatehouse.yaml >"$tmp/out" 2>"$tmp/err" || rc=$?
[ "$rc" = 1 ] || fail "broken tree: exit $rc"
diff -u "$tmp/expected" "$tmp/out" || fail "broken tree: diagnostics differ"
grep -q '9 errors, 1 warning; the rules are rejected' "$tmp/err" || fail "summary: $(cat "$tmp/err")"

rc=0; "$GATEHOUSE" check --json --config $b/gatehouse.yaml >"$tmp/json" || rc=$?
[ "$rc" = 1 ] || fail "broken --json: exit $rc"
python3 - "$tmp/json" "$b" <<'EOPY' || fail "broken --json content"
import json, sys
doc = json.load(open(sys.argv[1]))
b = sys.argv[2]
assert doc["ok"] is False and doc["errors"] == 9 and doc["warnings"] == 1, doc
first = doc["diagnostics"][0]
assert first == {"file": b + "/gatehouse.yaml", "line": 13, "col": 19, "severity": "error",
                 "message": "bad duration '10 seconds' (use e.g. 500ms, 10s, 5m, 1h)"}, first
assert list(doc) == ["ok", "errors", "warnings", "diagnostics"], list(doc)
EOPY

# 3. Warnings alone pass.
w=tests/data/config/warn
cat >"$tmp/expected" <<EOT
$w/categories/im.yaml:6:9: warning: rule 'web.chat.example.com' is shadowed by '.chat.example.com' ($w/categories/im.yaml:5) of the same category
$w/categories/im.yaml:7:9: warning: duplicate rule '.chat.example.com' (first at $w/categories/im.yaml:5)
EOT
rc=0; "$GATEHOUSE" check --config $w/gatehouse.yaml >"$tmp/out" 2>/dev/null || rc=$?
[ "$rc" = 0 ] || fail "warnings only: exit $rc"
diff -u "$tmp/expected" "$tmp/out" || fail "warnings differ"

# 4. A missing config and a YAML syntax error.
rc=0; "$GATEHOUSE" check --config "$tmp/none.yaml" >"$tmp/out" 2>/dev/null || rc=$?
[ "$rc" = 1 ] || fail "missing config: exit $rc"
grep -qx "$tmp/none.yaml:1:1: error: cannot read '$tmp/none.yaml': No such file or directory" "$tmp/out" ||
  fail "missing config: $(cat "$tmp/out")"
printf 'listen:\n  - { address: "127.0.0.1:3128", mode: forward\npolicy: {}\n' >"$tmp/syntax.yaml"
rc=0; "$GATEHOUSE" check --config "$tmp/syntax.yaml" >"$tmp/out" 2>/dev/null || rc=$?
[ "$rc" = 1 ] || fail "syntax error: exit $rc"
grep -qx "$tmp/syntax.yaml:3:7: error: end of map flow not found" "$tmp/out" || fail "syntax error position: $(cat "$tmp/out")"
echo "cli_check: ok"
