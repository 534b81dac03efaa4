#!/usr/bin/env bash
# Installs what the build and tests need (Debian 12, idempotent), builds and
# runs every test with ctest. Exits with ctest's status.
#   tests/run.sh                 Release build in build/
#   GATEHOUSE_SANITIZE=ON tests/run.sh   ASan+UBSan build in build-asan/
#   CTEST_ARGS="-L unit" tests/run.sh    only the fast part
#   tests/run.sh --deps-only             install the packages and stop
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

packages=(
  build-essential cmake ninja-build ccache pkg-config git
  libboost-dev libboost-system-dev libyaml-cpp-dev libre2-dev catch2
  libidn2-dev libpsl-dev libcli11-dev nlohmann-json3-dev libbenchmark-dev
  libssl-dev libc-ares-dev libsystemd-dev zlib1g-dev libzstd-dev
  clang-14 libclang-rt-14-dev
  curl openssl python3 iproute2 nftables haproxy python3-pacparser
  python3-yaml systemd procps chromium libnss3-tools
  libldap2-dev libkrb5-dev libcrypt-dev slapd ldap-utils krb5-kdc krb5-admin-server krb5-user
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "tests/run.sh: installing ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  # slapd's postinst would build a default directory: not wanted, the tests make their own.
  echo "slapd slapd/no_configuration boolean true" | $SUDO debconf-set-selections
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# deploy/dev.sh shares this install step.
[ "${1:-}" = "--deps-only" ] && exit 0

sanitize=${GATEHOUSE_SANITIZE:-OFF}
build=${BUILD_DIR:-build}
btype=Release
if [ "$sanitize" = "ON" ]; then
  build=${BUILD_DIR:-build-asan}
  btype=RelWithDebInfo
fi
werror=OFF
[ -n "${CI:-}" ] && werror=ON

cmake -S "$root" -B "$root/$build" -G Ninja \
  -DCMAKE_BUILD_TYPE=$btype \
  -DGATEHOUSE_SANITIZE="$sanitize" \
  -DGATEHOUSE_WERROR=$werror
cmake --build "$root/$build" -j "$(nproc)"

cd "$root/$build"
# shellcheck disable=SC2086
ctest --output-on-failure -j 2 ${CTEST_ARGS:-}
