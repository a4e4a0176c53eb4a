#!/usr/bin/env bash
# Debian packages the tests use as real peers (curl, openssl, ...). Installed only when missing.
set -euo pipefail
packages=(curl openssl)
missing=()
for pkg in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && { echo "all present: ${packages[*]}"; exit 0; }
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
