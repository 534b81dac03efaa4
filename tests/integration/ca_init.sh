#!/usr/bin/env bash
# `gatehouse ca init --out DIR` (README "Commands"): an EC P-256 CA key written 0600 and a
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
# It says how to install the certificate: NSS, Debian, Windows and macOS.
for step in "certutil -d sql:" "update-ca-certificates" "Trusted Root Certification Authorities" \
            "add-trusted-cert"; do
  grep -qF "$step" "$tmp/out" || { cat "$tmp/out"; fail "no install step '$step'"; }
done
grep -q "ca.key" "$tmp/out" || fail "does not say where the key is"
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

# 8. --name and --days; a bad --name or --days is a usage error.
expect_rc 0 "$bin" ca init --out "$tmp/n" --name "Example Gov web gateway CA" --days 30
openssl x509 -in "$tmp/n/ca.pem" -noout -subject | grep -q "CN = Example Gov web gateway CA" ||
  fail "--name is not the CN"
openssl x509 -in "$tmp/n/ca.pem" -noout -checkend $((29 * 86400)) >/dev/null || fail "--days 30 expires too soon"
if openssl x509 -in "$tmp/n/ca.pem" -noout -checkend $((31 * 86400)) >/dev/null; then
  fail "--days 30 valid for more than 31 days"
fi
expect_rc 2 "$bin" ca init --out "$tmp/bad1" --name ""
expect_rc 2 "$bin" ca init --out "$tmp/bad2" --days 0
[ ! -e "$tmp/bad1/ca.key" ] || fail "a key was written despite a bad --name"

# 9. `gatehouse check` judges the CA files a config names (README "HTTPS interception").
cat >"$tmp/n/gatehouse.yaml" <<'YAML'
listen: [{ address: "127.0.0.1:3128", mode: forward }]
tls_intercept:
  ca_cert: "ca.pem"
  ca_key: "ca.key"
YAML
expect_rc 0 "$bin" check --config "$tmp/n/gatehouse.yaml"
grep -q "warning: .*ca.pem expires within 30 days" "$tmp/out" || { cat "$tmp/out"; fail "no expiry warning"; }
chmod 640 "$tmp/n/ca.key"
expect_rc 1 "$bin" check --config "$tmp/n/gatehouse.yaml"
grep -q "gatehouse.yaml:4:11: error: .*ca.key is readable by group or others" "$tmp/out" ||
  { cat "$tmp/out"; fail "no key mode error at ca_key"; }
chmod 600 "$tmp/n/ca.key"
sed -i 's/ca.pem"/..\/d\/ca.pem"/' "$tmp/n/gatehouse.yaml"   # another CA's certificate
expect_rc 0 "$bin" ca init --out "$tmp/d"
expect_rc 1 "$bin" check --config "$tmp/n/gatehouse.yaml"
grep -q "gatehouse.yaml:4:11: error: .*ca.key does not match the certificate" "$tmp/out" ||
  { cat "$tmp/out"; fail "no key mismatch error"; }

# 10. Two runs make two different CAs (fresh key, random serial).
[ "$(openssl x509 -in "$cert" -noout -serial)" != "$(openssl x509 -in "$tmp/d/ca.pem" -noout -serial)" ] ||
  fail "two CAs share a serial"
cmp -s "$key" "$tmp/d/ca.key" && fail "two CAs share a key"
echo "ok: ca init"
