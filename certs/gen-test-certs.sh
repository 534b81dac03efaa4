#!/usr/bin/env bash
# Generates throwaway TLS material for integration tests into DIR:
#   ca.pem / ca.key          a test CA (EC P-256, 2 days)
#   server.pem / server.key  a server certificate signed by it, SANs:
#                            localhost, 127.0.0.1, ::1 and a few test names
#   chain.pem                server.pem followed by ca.pem
# Keys are written 0600. Never commit the output (.gitignore refuses *.pem, *.key).
#
#   certs/gen-test-certs.sh DIR [extra-dns-name ...]
set -euo pipefail

if [ $# -lt 1 ]; then
  echo "usage: $0 DIR [extra-dns-name ...]" >&2
  exit 2
fi
out=$1
shift
mkdir -p "$out"
umask 077

names=(localhost www.example.com web.whatsapp.com files.example.org blocked.test allowed.test "$@")
san="IP:127.0.0.1,IP:::1"
for n in "${names[@]}"; do san="$san,DNS:$n"; done

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
  -subj "/O=gatehouse tests/CN=gatehouse test CA" \
  -addext "basicConstraints=critical,CA:TRUE" \
  -addext "keyUsage=critical,keyCertSign,cRLSign" \
  -keyout "$out/ca.key" -out "$out/ca.pem" 2>/dev/null

openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
  -subj "/O=gatehouse tests/CN=localhost" \
  -keyout "$out/server.key" -out "$out/server.csr" 2>/dev/null

ext=$(mktemp)
trap 'rm -f "$ext"' EXIT
cat > "$ext" <<EXT
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=serverAuth
subjectAltName=$san
EXT
openssl x509 -req -in "$out/server.csr" -CA "$out/ca.pem" -CAkey "$out/ca.key" \
  -CAcreateserial -days 2 -sha256 -extfile "$ext" -out "$out/server.pem" 2>/dev/null
rm -f "$out/server.csr" "$out/ca.srl"
cat "$out/server.pem" "$out/ca.pem" > "$out/chain.pem"
chmod 0644 "$out/ca.pem" "$out/server.pem" "$out/chain.pem"
openssl verify -CAfile "$out/ca.pem" "$out/server.pem" >/dev/null
echo "$out: ca.pem ca.key server.pem server.key chain.pem (SAN $san)"
