#!/usr/bin/env bash
# Development quick start (README "Running the proxy"):
#   deploy/dev.sh run     install what is missing (apt), build Release into
#                         build/, run `gatehouse serve` on 127.0.0.1:3128 with
#                         the shipped rules in the foreground (Ctrl-C drains).
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
cat <<MSG

gatehouse: forward proxy on 127.0.0.1:3128 (rules: rules/gatehouse.yaml)
  PAC file:   http://127.0.0.1:3128/proxy.pac
  block page: curl -x 127.0.0.1:3128 http://web.whatsapp.com/
  allowed:    curl -x 127.0.0.1:3128 -I https://example.com/
  a department with an approval (loopback stand-in):
              curl --interface 127.0.20.5 -x 127.0.0.1:3128 -I https://web.whatsapp.com/
  audit log:  var/audit.jsonl   (gatehouse audit verify var/audit.jsonl)
  Ctrl-C drains and stops.

MSG
exec "$root/build/proxy/gatehouse" serve --config rules/gatehouse.yaml
