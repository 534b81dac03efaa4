#!/usr/bin/env bash
# Development quick start (README "Running the proxy"):
#   deploy/dev.sh run     install what is missing (apt), build Release into
#                         build/, make a development CA in certs/ if there is
#                         none (git-ignored), run `gatehouse serve` on
#                         127.0.0.1:3128 with the shipped rules and HTTPS block
#                         pages on, in the foreground (Ctrl-C drains).
#   deploy/dev.sh build   the same without starting it.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
cmd=${1:-run}

# The build's packages are installed by tests/run.sh, the one install point.
bash tests/run.sh --deps-only

cmake -S "$root" -B "$root/build" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$root/build" --target gatehouse -j "$(nproc)"

case "$cmd" in
  build) exit 0 ;;
  run) ;;
  *) echo "usage: deploy/dev.sh [run|build]" >&2; exit 2 ;;
esac

mkdir -p "$root/var"
# A development CA (README "HTTPS interception"), made once; certs/*.key and *.pem are
# git-ignored. The served config is the shipped one with tls_intercept turned on,
# written beside it so that its relative paths stay the same.
if [ ! -e "$root/certs/ca.key" ]; then
  "$root/build/proxy/gatehouse" ca init --out "$root/certs" --name "gatehouse development CA" \
    --days 365 >/dev/null
fi
config=rules/gatehouse.dev.yaml
sed 's|^tls_intercept: off$|tls_intercept: { ca_cert: "../certs/ca.pem", ca_key: "../certs/ca.key", block_pages: true }|' \
  rules/gatehouse.yaml >"$config"
grep -q '^tls_intercept: {' "$config" || { echo "dev.sh: cannot turn tls_intercept on in $config" >&2; exit 3; }
cat <<MSG

gatehouse: forward proxy on 127.0.0.1:3128 (rules: $config = rules/gatehouse.yaml + HTTPS block pages)
  PAC file:   http://127.0.0.1:3128/proxy.pac
  block page: curl -x 127.0.0.1:3128 http://web.whatsapp.com/
  over HTTPS: curl --cacert certs/ca.pem -x 127.0.0.1:3128 https://web.whatsapp.com/
              (browsers: install certs/ca.pem, see README "Deploying the CA")
  allowed:    curl -x 127.0.0.1:3128 -I https://example.com/
  a department with an approval (loopback stand-in):
              curl --interface 127.0.20.5 -x 127.0.0.1:3128 -I https://web.whatsapp.com/
  audit log:  var/audit.jsonl   (gatehouse audit verify var/audit.jsonl)
  Ctrl-C drains and stops.

MSG
exec "$root/build/proxy/gatehouse" serve --config "$config"
