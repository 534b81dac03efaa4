#!/usr/bin/env bash
# deploy/nftables-transparent.nft is valid nftables (checked, not loaded):
# `nft -c` needs no running firewall but does need CAP_NET_ADMIN for its
# netlink cache; without it the test is skipped.
set -euo pipefail
src=${GH_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
recipe=$src/deploy/nftables-transparent.nft
command -v nft >/dev/null || { echo "skip: no nft"; exit 77; }
out=$(mktemp)
trap 'rm -f "$out"' EXIT
if ! nft -c -f "$recipe" >"$out" 2>&1; then
  if grep -qiE "operation not permitted|permission denied" "$out"; then
    echo "skip: nft -c needs CAP_NET_ADMIN"; exit 77
  fi
  cat "$out"; echo "FAIL: nft -c -f $recipe"; exit 1
fi
# The recipe must redirect both ports to the transparent listeners and stop QUIC.
grep -q 'tcp dport 443 redirect to :$TLS_PORT' "$recipe"
grep -q 'tcp dport 80 redirect to :$HTTP_PORT' "$recipe"
grep -q 'udp dport 443 reject' "$recipe"
echo "ok: nftables recipe checks"
