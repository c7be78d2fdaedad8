#!/usr/bin/env bash
# A self-signed certificate for local runs: scripts/make-cert.sh DIR [DOMAIN]
# writes DIR/cert.pem and DIR/key.pem (kept if present).
set -euo pipefail
dir=${1:?usage: make-cert.sh DIR [DOMAIN]}
domain=${2:-localhost}
mkdir -p "$dir"
[ -f "$dir/cert.pem" ] && [ -f "$dir/key.pem" ] && exit 0
openssl req -x509 -newkey rsa:2048 -nodes -days 365 -subj "/CN=$domain" \
  -addext "subjectAltName=DNS:$domain,DNS:localhost,IP:127.0.0.1" \
  -keyout "$dir/key.pem" -out "$dir/cert.pem" 2>/dev/null
chmod 600 "$dir/key.pem"
echo "make-cert: self-signed certificate for $domain in $dir"
