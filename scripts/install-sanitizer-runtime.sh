#!/usr/bin/env bash
# Installs clang-22's sanitizer runtimes and libFuzzer (Debian's
# libclang-rt-22-dev) if missing. The normal build does not need them, so
# scripts/sanitize.sh and scripts/fuzz.sh call this instead of install-deps.sh.
set -euo pipefail
if ! dpkg-query -W -f='${Status}' libclang-rt-22-dev 2>/dev/null \
    | grep -q "install ok installed"; then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq libclang-rt-22-dev
fi
