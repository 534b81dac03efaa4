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

# `user` and `groups` (README "gatehouse test"): per-user and per-group decisions
# without a directory. The shipped rules plus an auth block, a groups file, a
# department of a group and an approval of a user.
cp -r rules "$dir/rules"
printf 'alice: [fin-staff]\n' >"$dir/rules/groups.yaml"
: >"$dir/rules/users.htpasswd"
cat >>"$dir/rules/gatehouse.yaml" <<'YAML'
auth:
  schemes: [basic]
  basic: { htpasswd: users.htpasswd }
  groups: { file: groups.yaml }
YAML
python3 - "$dir/rules" <<'PY'
import sys, yaml
d = sys.argv[1]
deps = yaml.safe_load(open(d + "/departments.yaml"))
for dep in deps["departments"]:
    if dep["id"] == "finance":
        dep["groups"] = ["fin-staff"]
yaml.safe_dump(deps, open(d + "/departments.yaml", "w"), sort_keys=False)
apps = yaml.safe_load(open(d + "/approvals.yaml"))
apps["approvals"].append({"id": "FIN-CAROL", "department": "finance", "app": "whatsapp-web",
                          "approved_by": "Director of Finance", "reason": "carol only",
                          "granted": "2026-01-01", "expires": "2099-12-31", "users": ["carol"]})
yaml.safe_dump(apps, open(d + "/approvals.yaml", "w"), sort_keys=False)
PY
cat >"$dir/user.yaml" <<'YAML'
- { target: "web.whatsapp.com:443", user: alice, expect: { department: finance } }
- { target: "web.whatsapp.com:443", user: dave, groups: [fin-staff], expect: { department: finance } }
- { target: "web.whatsapp.com:443", user: alice, groups: [], expect: { department: null } }
- { target: "web.whatsapp.com:443", client: "10.20.5.7", user: bob, expect: { department: immigration } }
- { target: "web.whatsapp.com:443", user: carol, groups: [fin-staff], at: "2026-06-01T10:00:00Z",
    expect: { action: allow, reason: approved, approval: FIN-CAROL } }
- { target: "web.whatsapp.com:443", user: dave, groups: [fin-staff], at: "2026-06-01T10:00:00Z",
    expect: { action: block } }
- { target: "web.whatsapp.com:443", at: "2026-06-01T10:00:00Z", expect: { action: block, department: null } }
YAML
rc=0; out=$("$GATEHOUSE" test --config "$dir/rules/gatehouse.yaml" "$dir/user.yaml" 2>"$dir/err") || rc=$?
[ "$rc" = 0 ] || fail "user and groups: exit $rc: $out $(cat "$dir/err")"
grep -qx "7 passed, 0 failed" "$dir/err" || fail "user and groups summary: $(cat "$dir/err")"

# A wrong per-user expectation names the user and groups it decided as.
printf -- '- { target: "example.com", user: alice, expect: { department: immigration } }\n' >"$dir/user-wrong.yaml"
rc=0; out=$("$GATEHOUSE" test --config "$dir/rules/gatehouse.yaml" "$dir/user-wrong.yaml" 2>/dev/null) || rc=$?
[ "$rc" = 1 ] || fail "wrong user expectation: exit $rc"
want="$dir/user-wrong.yaml:1: expected department: immigration, got finance (example.com from 127.0.0.1 as alice [fin-staff]: allow uncategorized, department finance)"
[ "$out" = "$want" ] || fail "wrong user expectation printed:
$out
want:
$want"

# groups without a user is a broken entry; a user without an auth block gets a note.
printf -- '- { target: "example.com", groups: [fin-staff], expect: { action: allow } }\n' >"$dir/groups-only.yaml"
rc=0; "$GATEHOUSE" test --config "$dir/rules/gatehouse.yaml" "$dir/groups-only.yaml" 2>"$dir/err" >/dev/null || rc=$?
[ "$rc" = 1 ] || fail "groups without user: exit $rc, want 1"
grep -qF "$dir/groups-only.yaml:1:36: error: groups needs a user" "$dir/err" || fail "groups without user: $(cat "$dir/err")"
printf -- '- { target: "example.com", user: alice, expect: { action: allow } }\n' >"$dir/user.yaml"
rc=0; gh_test "$dir/user.yaml" 2>"$dir/err" >/dev/null || rc=$?
[ "$rc" = 0 ] || fail "user without auth: exit $rc"
grep -q "$dir/user.yaml:1: note: the config has no auth block" "$dir/err" || fail "no-auth note: $(cat "$dir/err")"

# Rules with errors: nothing is tested, exit 1.
rc=0; "$GATEHOUSE" test --config tests/data/config/broken/gatehouse.yaml "$dir/user.yaml" >/dev/null 2>&1 || rc=$?
[ "$rc" = 1 ] || fail "broken rules: exit $rc, want 1"
echo "cli_test_failures: ok"
