#!/usr/bin/env bash
# gatehouse test reports a wrong expectation as FILE:LINE: expected ..., got ...
# and exits 1; broken test files fail too (never a silent pass); --json.
set -euo pipefail
: "${GATEHOUSE:?path of the gatehouse binary}"
cd "${GH_SOURCE_DIR:-$(dirname "$0")/../..}"
fail() { echo "FAIL: $*" >&2; exit 1; }
dir=$(mktemp -d); trap 'rm -rf "$dir"' EXIT
gh_test() { "$GATEHOUSE" test --config rules/gatehouse.yaml "$@"; }

cat >"$dir/wrong.yaml" <<'YAML'
# line 1: a comment
- { target: "https://web.whatsapp.com/", expect: { action: block, app: whatsapp-web } }
- { target: "www.google.com:443", expect: { action: block } }
- target: "web.whatsapp.com:443"
  client: "10.20.5.7"
  at: "2026-06-01T10:00:00+08:00"
  expect: { reason: approved, approval: IMM-1999-001 }
YAML
rc=0; out=$(gh_test "$dir/wrong.yaml" 2>"$dir/err") || rc=$?
[ "$rc" = 1 ] || fail "wrong expectations: exit $rc, want 1"
want1="$dir/wrong.yaml:3: expected action: block, got allow (www.google.com:443 from 127.0.0.1: allow uncategorized)"
want2="$dir/wrong.yaml:4: expected approval: IMM-1999-001, got IMM-2026-014 (web.whatsapp.com:443 from 10.20.5.7: allow approved, app whatsapp-web, department immigration, approval IMM-2026-014)"
[ "$out" = "$want1
$want2" ] || fail "wrong expectations printed:
$out
want:
$want1
$want2"
grep -qx "1 passed, 2 failed" "$dir/err" || fail "summary: $(cat "$dir/err")"

# --json: the same failures as data.
rc=0; json=$(gh_test --json "$dir/wrong.yaml" 2>/dev/null) || rc=$?
[ "$rc" = 1 ] || fail "--json: exit $rc, want 1"
python3 - "$json" "$dir/wrong.yaml" <<'PY' || fail "--json: $json"
import json, sys
j = json.loads(sys.argv[1]); f = sys.argv[2]
assert j["ok"] is False and j["passed"] == 1 and j["failed"] == 2, j
got = [(x["file"], x["line"], x["key"], x["expected"], x["got"]) for x in j["failures"]]
assert got == [(f, 3, "action", "block", "allow"),
               (f, 4, "approval", "IMM-1999-001", "IMM-2026-014")], got
PY

# A broken test file is a failure, with file:line:col, never a pass.
cat >"$dir/broken.yaml" <<'YAML'
- { target: "example.com", expect: { actoin: allow } }
- { target: "example.com", expect: { action: permit } }
- { target: "example.com", at: "yesterday", expect: { action: allow } }
- { target: "ftp://example.com/", expect: { action: allow } }
YAML
rc=0; out=$(gh_test "$dir/broken.yaml" 2>"$dir/err") || rc=$?
[ "$rc" = 1 ] || fail "broken file: exit $rc, want 1"
grep -qF "$dir/broken.yaml:1:38: error: unknown key 'actoin' in expect (did you mean 'action'?)" "$dir/err" \
  || fail "broken file, key: $(cat "$dir/err")"
grep -qF "$dir/broken.yaml:2:46: error: expected allow, block or deny, got 'permit'" "$dir/err" \
  || fail "broken file, action: $(cat "$dir/err")"
grep -qF "$dir/broken.yaml:3:32: error: bad time 'yesterday'" "$dir/err" || fail "broken file, at: $(cat "$dir/err")"
grep -qF "$dir/broken.yaml:4: error: unsupported scheme" <<<"$out" || fail "broken file, target: $out"
grep -qx "0 passed, 4 failed" "$dir/err" || fail "broken summary: $(cat "$dir/err")"

# `user` is accepted and said to be unused until identity exists (README "Identity: who is asking").
printf -- '- { target: "example.com", user: alice, expect: { action: allow } }\n' >"$dir/user.yaml"
rc=0; gh_test "$dir/user.yaml" 2>"$dir/err" >/dev/null || rc=$?
[ "$rc" = 0 ] || fail "user: exit $rc"
grep -q "$dir/user.yaml:1: note: 'user' is read but not used yet" "$dir/err" || fail "user note: $(cat "$dir/err")"

# Rules with errors: nothing is tested, exit 1.
rc=0; "$GATEHOUSE" test --config tests/data/config/broken/gatehouse.yaml "$dir/user.yaml" >/dev/null 2>&1 || rc=$?
[ "$rc" = 1 ] || fail "broken rules: exit $rc, want 1"
echo "cli_test_failures: ok"
