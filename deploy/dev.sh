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

# The build's packages: the same list tests/run.sh installs, read from there
# so the two never drift apart.
mapfile -t packages < <(sed -n '/^packages=(/,/^)/p' tests/run.sh | sed '1d;$d' | tr ' ' '\n' | sed '/^$/d')
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "dev.sh: installing ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

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
