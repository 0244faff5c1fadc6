#!/usr/bin/env bash
# Builds everything and runs every test: GoogleTest suites and lit through
# CTest. Exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
cd build
ctest --output-on-failure -j "${DLC_JOBS:-$(nproc)}"
