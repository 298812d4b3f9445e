#!/usr/bin/env bash
# gen-dev-certs.sh DIR: a development CA plus node and client certificates for mutual TLS (never for production).
#
# Makes DIR/ca.pem (+ DIR/ca-key.pem), DIR/node.pem + DIR/node-key.pem, DIR/client.pem +
# DIR/client-key.pem with the openssl CLI. Idempotent: files that exist and still verify against
# DIR/ca.pem are kept; anything missing or broken is (re)made, and a new CA re-issues both leaves.
# Keys are unencrypted RSA 2048 (CAF's openssl module would otherwise need a passphrase).
set -euo pipefail

usage() { echo "usage: $0 DIR   (writes ca.pem, node.pem, node-key.pem, client.pem, client-key.pem)" >&2; exit 2; }
[ $# -eq 1 ] || usage
dir=$1
days=${AC_CERT_DAYS:-825}
command -v openssl >/dev/null || { echo "$0: openssl not found" >&2; exit 1; }
mkdir -p "$dir"
umask 077
made=()

# valid_leaf NAME: NAME.pem and NAME-key.pem exist, belong together and are signed by ca.pem.
valid_leaf() {
  local cert=$dir/$1.pem key=$dir/$1-key.pem
  [ -s "$cert" ] && [ -s "$key" ] || return 1
  openssl verify -CAfile "$dir/ca.pem" "$cert" >/dev/null 2>&1 || return 1
  [ "$(openssl x509 -noout -pubkey -in "$cert" 2>/dev/null)" = \
    "$(openssl pkey -pubout -in "$key" 2>/dev/null)" ]
}

# The CA: kept when its certificate and key exist and match.
ca_ok=0
if [ -s "$dir/ca.pem" ] && [ -s "$dir/ca-key.pem" ] &&
   [ "$(openssl x509 -noout -pubkey -in "$dir/ca.pem" 2>/dev/null)" = \
     "$(openssl pkey -pubout -in "$dir/ca-key.pem" 2>/dev/null)" ]; then
  ca_ok=1
fi
if [ $ca_ok = 0 ]; then
  openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days "$days" \
    -keyout "$dir/ca-key.pem" -out "$dir/ca.pem" -subj "/CN=actorcache dev CA" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
    >/dev/null 2>&1
  made+=("ca.pem" "ca-key.pem")
  rm -f "$dir/node.pem" "$dir/client.pem"   # leaves of an old CA no longer verify
fi

# issue NAME CN: a leaf key + certificate signed by the CA, usable as TLS server and client.
issue() {
  local name=$1 cn=$2 tmp
  tmp=$(mktemp -d)
  printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth,clientAuth\n' \
    >"$tmp/ext.cnf"
  openssl req -newkey rsa:2048 -nodes -sha256 -keyout "$dir/$name-key.pem" -out "$tmp/req.csr" \
    -subj "/CN=$cn" >/dev/null 2>&1
  openssl x509 -req -sha256 -days "$days" -in "$tmp/req.csr" -CA "$dir/ca.pem" \
    -CAkey "$dir/ca-key.pem" -set_serial "0x$(openssl rand -hex 16)" -extfile "$tmp/ext.cnf" \
    -out "$dir/$name.pem" >/dev/null 2>&1
  rm -rf "$tmp"
  made+=("$name.pem" "$name-key.pem")
}

valid_leaf node || issue node "actorcache-node"
valid_leaf client || issue client "actorcache-client"
chmod 644 "$dir/ca.pem" "$dir/node.pem" "$dir/client.pem"

if [ ${#made[@]} -eq 0 ]; then
  echo "gen-dev-certs: $dir already holds a valid CA, node and client certificate; nothing made"
else
  for f in "${made[@]}"; do echo "gen-dev-certs: made $dir/$f"; done
fi
echo "use: --tls.enabled --tls.ca-file=$dir/ca.pem --tls.cert-file=$dir/node.pem --tls.key-file=$dir/node-key.pem (client: client.pem, client-key.pem)"
