#!/usr/bin/env bash
# `gatehouse ca init --out DIR` (SPEC §2): an EC P-256 CA key written 0600 and a
# self-signed CA certificate that OpenSSL accepts and can sign leaves with;
# refuses to overwrite (exit 1), reports I/O errors (exit 3), usage errors (2).
set -euo pipefail
bin=${GATEHOUSE:?GATEHOUSE must name the binary}
[ -x "$bin" ] || { echo "skip: $bin not built"; exit 77; }
command -v openssl >/dev/null || { echo "skip: no openssl"; exit 77; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
expect_rc() {  # expect_rc CODE command...
  local want=$1; shift
  local rc=0
  "$@" >"$tmp/out" 2>&1 || rc=$?
  [ "$rc" -eq "$want" ] || { cat "$tmp/out"; fail "'$*' exited $rc, want $want"; }
}

# 1. A fresh directory (created, with a parent that does not exist yet).
(umask 000; expect_rc 0 "$bin" ca init --out "$tmp/a/ca")
key=$tmp/a/ca/ca.key cert=$tmp/a/ca/ca.pem
[ "$(stat -c %a "$key")" = 600 ] || fail "ca.key mode is $(stat -c %a "$key"), want 600 (even with umask 000)"
[ -s "$cert" ] || fail "no ca.pem"

# 2. The key: EC P-256; the certificate carries its public key.
openssl pkey -in "$key" -noout -text | grep -q "NIST CURVE: P-256" || fail "key is not P-256"
[ "$(openssl pkey -in "$key" -pubout)" = "$(openssl x509 -in "$cert" -noout -pubkey)" ] ||
  fail "certificate does not carry the key's public key"

# 3. The certificate: self-signed CA with keyCertSign, 10 years.
text=$(openssl x509 -in "$cert" -noout -text)
grep -q "CA:TRUE" <<<"$text" || fail "no CA:TRUE"
grep -A1 "X509v3 Basic Constraints: critical" <<<"$text" | grep -q CA:TRUE || fail "basicConstraints not critical"
grep -A1 "X509v3 Key Usage: critical" <<<"$text" | grep -q "Certificate Sign" || fail "no keyCertSign"
[ "$(openssl x509 -in "$cert" -noout -subject)" = "$(openssl x509 -in "$cert" -noout -issuer | sed 's/^issuer/subject/')" ] ||
  fail "not self-signed"
openssl verify -CAfile "$cert" "$cert" >/dev/null || fail "openssl does not verify the CA against itself"
openssl x509 -in "$cert" -noout -checkend $((9 * 365 * 86400)) >/dev/null || fail "expires within 9 years"
if openssl x509 -in "$cert" -noout -checkend $((11 * 365 * 86400)) >/dev/null; then
  fail "valid for more than 11 years"
fi

# 4. It can sign a leaf that verifies against it (what tls_intercept will do).
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=blocked.test \
  -keyout "$tmp/leaf.key" -out "$tmp/leaf.csr" 2>/dev/null
printf 'subjectAltName=DNS:blocked.test\n' >"$tmp/leaf.ext"
openssl x509 -req -in "$tmp/leaf.csr" -CA "$cert" -CAkey "$key" -CAcreateserial \
  -CAserial "$tmp/ca.srl" -days 1 -extfile "$tmp/leaf.ext" -out "$tmp/leaf.pem" 2>/dev/null
openssl verify -CAfile "$cert" "$tmp/leaf.pem" >/dev/null || fail "leaf signed by the CA does not verify"

# 5. Never overwrite: a second run fails with 1 and changes nothing.
before=$(sha256sum "$key" "$cert")
expect_rc 1 "$bin" ca init --out "$tmp/a/ca"
[ "$before" = "$(sha256sum "$key" "$cert")" ] || fail "second run changed the files"
mkdir "$tmp/b" && echo keep >"$tmp/b/ca.pem"
expect_rc 1 "$bin" ca init --out "$tmp/b"
[ ! -e "$tmp/b/ca.key" ] || fail "a key was written beside an existing ca.pem"
[ "$(cat "$tmp/b/ca.pem")" = keep ] || fail "existing ca.pem was changed"
mkdir "$tmp/c" && ln -s "$tmp/elsewhere" "$tmp/c/ca.key"
expect_rc 1 "$bin" ca init --out "$tmp/c"
[ ! -e "$tmp/elsewhere" ] || fail "followed a dangling symlink"

# 6. I/O error: the output "directory" is below a regular file.
touch "$tmp/file"
expect_rc 3 "$bin" ca init --out "$tmp/file/ca"

# 7. Usage error: --out is required.
expect_rc 2 "$bin" ca init

# 8. Two runs make two different CAs (fresh key, random serial).
expect_rc 0 "$bin" ca init --out "$tmp/d"
[ "$(openssl x509 -in "$cert" -noout -serial)" != "$(openssl x509 -in "$tmp/d/ca.pem" -noout -serial)" ] ||
  fail "two CAs share a serial"
cmp -s "$key" "$tmp/d/ca.key" && fail "two CAs share a key"
echo "ok: ca init"
