#!/usr/bin/env bash
# Installs the Debian (bookworm) packages triarb needs. Idempotent; quiet
# when everything is already present. Uses sudo when not root.
set -euo pipefail

packages=(
  build-essential cmake ninja-build ccache pkg-config python3
  g++ clang-14 libclang-rt-14-dev llvm-14
  libgtest-dev libgmock-dev googletest libbenchmark-dev librapidcheck-dev
  libsimdjson-dev libboost1.81-dev libboost-json1.81-dev libssl-dev openssl
  relacy-dev libtomlplusplus-dev libcli11-dev
  zip
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "install-deps: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
  sudo="sudo"
fi
echo "install-deps: installing ${missing[*]}" >&2
# A fresh machine has stale package lists.
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
