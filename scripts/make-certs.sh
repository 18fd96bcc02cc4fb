#!/bin/sh
# Test certificates for vigie-sim and its clients (openssl CLI, idempotent): a test CA, the
# server (localhost) and an INSI-AUTO client, as PEM and PKCS#12 (password "vigie"), and an
# organisation seal ("cachet") certificate that signs the DMP VIHF assertions.
# Usage: scripts/make-certs.sh DIR
set -eu

if [ $# -ne 1 ]; then
	echo "Usage : $0 DOSSIER" >&2
	exit 2
fi
dir=$1
files="ca.pem ca.key server.pem server.key client.pem client.key client.p12 seal.pem seal.key"

complete=1
for f in $files; do
	[ -s "$dir/$f" ] || complete=0
done
# Already made and still valid for a day: nothing to do.
if [ $complete = 1 ] &&
	openssl verify -CAfile "$dir/ca.pem" "$dir/server.pem" "$dir/client.pem" \
		"$dir/seal.pem" >/dev/null 2>&1 &&
	openssl x509 -checkend 86400 -noout -in "$dir/server.pem" >/dev/null 2>&1; then
	exit 0
fi

mkdir -p "$dir"
work=$(mktemp -d "$dir/.make-certs.XXXXXX")
trap 'rm -rf "$work"' EXIT
umask 077

cat >"$work/ca.cnf" <<'EOF'
[req]
distinguished_name = dn
x509_extensions = v3_ca
prompt = no
[dn]
C = FR
O = Vigie tests
CN = Vigie AC de test
[v3_ca]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
EOF
cat >"$work/server.ext" <<'EOF'
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost, IP:127.0.0.1
authorityKeyIdentifier = keyid
EOF
cat >"$work/client.ext" <<'EOF'
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = clientAuth
authorityKeyIdentifier = keyid
EOF

cat >"$work/seal.ext" <<'EOF'
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, nonRepudiation
authorityKeyIdentifier = keyid
EOF

# leaf NAME SUBJECT: key, request, certificate signed by the test CA.
leaf() {
	openssl req -new -newkey rsa:2048 -nodes -keyout "$work/$1.key" -subj "$2" \
		-out "$work/$1.csr" 2>/dev/null
	openssl x509 -req -in "$work/$1.csr" -CA "$work/ca.pem" -CAkey "$work/ca.key" \
		-set_serial "0x$(openssl rand -hex 8)" -days 825 -sha256 \
		-extfile "$work/$1.ext" -out "$work/$1.pem" 2>/dev/null
}

openssl req -x509 -new -newkey rsa:2048 -nodes -keyout "$work/ca.key" -days 3650 -sha256 \
	-config "$work/ca.cnf" -out "$work/ca.pem" 2>/dev/null
leaf server "/C=FR/O=Vigie tests/CN=localhost"
leaf client "/C=FR/O=Vigie tests/OU=INSi/CN=INSI-AUTO"
leaf seal "/C=FR/O=Vigie tests/OU=Cachet/CN=CABINET DEMO VIGIE"
openssl pkcs12 -export -in "$work/client.pem" -inkey "$work/client.key" \
	-certfile "$work/ca.pem" -name "INSI-AUTO" -passout pass:vigie -out "$work/client.p12"

for f in $files; do
	mv -f "$work/$f" "$dir/$f"
done
# Certificates are public; the keys stay private to their owner.
chmod 644 "$dir/ca.pem" "$dir/server.pem" "$dir/client.pem" "$dir/seal.pem"
