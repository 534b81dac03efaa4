#!/usr/bin/env bash
# gatehouse explain over the shipped rules: every target form of README "Commands",
# --json keys, approvals in and out of their window, exit codes 0/1/2.
set -euo pipefail
: "${GATEHOUSE:?path of the gatehouse binary}"
cd "${GH_SOURCE_DIR:-$(dirname "$0")/../..}"
fail() { echo "FAIL: $*" >&2; exit 1; }
at=2026-12-01T10:00:00Z
json() { "$GATEHOUSE" explain --config rules/gatehouse.yaml --json --at "$at" "$@"; }
expect() {  # expect 'JSON' args...
  local want=$1; shift
  local got; got=$(json "$@") || fail "explain $*: exit $?"
  [ "$got" = "$want" ] || fail "explain $*:
  got  $got
  want $want"
}
im=rules/categories/instant-messaging-web.yaml

# https:// = CONNECT host:443 then the SNI; blocked from an undeclared client.
expect '{"action":"block","reason":"category-blocked","category":"instant-messaging-web","app":"whatsapp-web","department":null,"rule":"'$im':13","approval":null,"expires":null,"schedule":null}' \
  https://web.whatsapp.com/
# The hotline network of Immigration holds an approval.
expect '{"action":"allow","reason":"approved","category":"instant-messaging-web","app":"whatsapp-web","department":"immigration","rule":"'$im':13","approval":"IMM-2026-014","expires":"2027-03-31","schedule":null}' \
  --client 10.20.5.7 https://web.whatsapp.com/
# ... inclusive of its last day, not after it.
at=2027-03-31T23:59:59Z expect '{"action":"allow","reason":"approved","category":"instant-messaging-web","app":"whatsapp-web","department":"immigration","rule":"'$im':13","approval":"IMM-2026-014","expires":"2027-03-31","schedule":null}' \
  --client 10.20.5.7 web.whatsapp.com
at=2027-04-01T00:00:00Z expect '{"action":"block","reason":"category-blocked","category":"instant-messaging-web","app":"whatsapp-web","department":"immigration","rule":"'$im':13","approval":null,"expires":null,"schedule":null}' \
  --client 10.20.5.7 web.whatsapp.com
# Same department outside the approval's network; another department.
expect '{"action":"block","reason":"category-blocked","category":"instant-messaging-web","app":"whatsapp-web","department":"immigration","rule":"'$im':13","approval":null,"expires":null,"schedule":null}' \
  --client 10.20.6.7 web.whatsapp.com
expect '{"action":"block","reason":"category-blocked","category":"instant-messaging-web","app":"whatsapp-web","department":"finance","rule":"'$im':13","approval":null,"expires":null,"schedule":null}' \
  --client 10.30.0.9 sni:web.whatsapp.com
# Plain HTTP: the URL is visible, so the WeChat web API path is caught on any host.
expect '{"action":"block","reason":"category-blocked","category":"instant-messaging-web","app":"wechat-web","department":null,"rule":"'$im':27","approval":null,"expires":null,"schedule":null}' \
  'http://example.com/cgi-bin/mmwebwx-bin/webwxinit?x=1'
# Uncategorised, webmail, a feed entry, IDN in Unicode, subdomain.
expect '{"action":"allow","reason":"uncategorized","category":null,"app":null,"department":null,"rule":null,"approval":null,"expires":null,"schedule":null}' \
  http://www.example.org/
expect '{"action":"block","reason":"category-blocked","category":"personal-webmail","app":"gmail","department":null,"rule":"rules/categories/personal-webmail.yaml:12","approval":null,"expires":null,"schedule":null}' \
  mail.google.com
# A department's scheduled verdict names its schedule (finance-demo reads mail at lunch).
at=2026-12-01T12:30:00Z expect '{"action":"allow","reason":"monitored","category":"personal-webmail","app":"gmail","department":"finance-demo","rule":"rules/categories/personal-webmail.yaml:12","approval":null,"expires":null,"schedule":"lunch"}' \
  --client 127.0.30.5 mail.google.com
expect '{"action":"block","reason":"category-blocked","category":"public-cloud-storage","app":null,"department":null,"rule":"rules/lists/extra-storage.txt:4","approval":null,"expires":null,"schedule":null}' \
  www.mediafire.com:443
expect '{"action":"block","reason":"category-blocked","category":"instant-messaging-web","app":"whatsapp-web","department":null,"rule":"'$im':13","approval":null,"expires":null,"schedule":null}' \
  'https://bücher.web.whatsapp.com/'
# A CONNECT to a port not in connect.ports; a client not in clients.allow.
expect '{"action":"deny","reason":"port-not-allowed","category":null,"app":null,"department":null,"rule":null,"approval":null,"expires":null,"schedule":null}' \
  example.com:8443
expect '{"action":"deny","reason":"client-not-allowed","category":null,"app":null,"department":null,"rule":null,"approval":null,"expires":null,"schedule":null}' \
  --client 192.0.2.1 example.com

# Human output names everything, including the department's network.
out=$("$GATEHOUSE" explain --config rules/gatehouse.yaml --client 10.20.5.7 --at "$at" https://web.whatsapp.com/)
for line in "action:     allow" "reason:     approved" "category:   instant-messaging-web" \
            "app:        whatsapp-web" "department: immigration (network 10.20.0.0/16)" \
            "rule:       $im:13" "schedule:   -" \
            "approval:   IMM-2026-014 (expires 2027-03-31, approved by Director of Immigration, rules/approvals.yaml:6)"; do
  grep -qxF "$line" <<<"$out" || fail "human output lacks '$line':
$out"
done

# Exit 2: bad target, client or time. Exit 1: rules with errors (printed).
for args in "http://bad_host!/" "--client 10.0.0.300 example.com" "--at yesterday example.com" \
            "ftp://example.com/" "example.com:0" "sni:10.0.0.1"; do
  rc=0
  # shellcheck disable=SC2086
  "$GATEHOUSE" explain --config rules/gatehouse.yaml $args >/dev/null 2>&1 || rc=$?
  [ "$rc" = 2 ] || fail "explain $args: exit $rc, want 2"
done
rc=0; "$GATEHOUSE" explain --config tests/data/config/broken/gatehouse.yaml example.com >/dev/null 2>"${TMPDIR:-/tmp}/gh-explain-$$" || rc=$?
errs=$(cat "${TMPDIR:-/tmp}/gh-explain-$$"); rm -f "${TMPDIR:-/tmp}/gh-explain-$$"
[ "$rc" = 1 ] || fail "broken rules: exit $rc, want 1"
grep -q "tests/data/config/broken/departments.yaml:5:16: error:" <<<"$errs" || fail "broken rules: $errs"
echo "cli_explain: ok"
